"""Documents read with their lines (a return and its lines, …): one query for the headers, one for all their
lines, each header answered as its columns with `lines` (each line's columns but the document's number); listed
or exported one row per line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.tabular.export import ExportColumn, ExportFormat, export_rows


async def with_lines(session: AsyncSession, headers: Select[Any], lines: Table, number: str) -> list[dict[str, Any]]:
    """The documents of `headers` (in its order), each with its rows of `lines` by `line_no`, joined on the
    column `number` both tables have."""
    found = [dict(r) for r in (await session.execute(headers)).mappings()]
    if not found:
        return []
    by_number: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    query = select(lines).where(lines.c[number].in_([r[number] for r in found])).order_by(lines.c.line_no)
    for x in (await session.execute(query)).mappings():
        by_number[x[number]].append({k: v for k, v in x.items() if k != number})
    return [{**r, "lines": by_number[r[number]]} for r in found]


def listed(
    found: list[dict[str, Any]], *, limit: int, fmt: ExportFormat | None, columns: Sequence[ExportColumn], name: str
) -> Any:
    """A list endpoint's answer of documents read `with_lines`: the first `limit`, or with `fmt` all of them as a
    file, one row per line (its document's columns repeated)."""
    if fmt:
        rows = ({**document, **line} for document in found for line in document["lines"])
        return export_rows(rows, columns, fmt=fmt, name=name)
    return found[:limit]

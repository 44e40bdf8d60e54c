"""Documents read with their lines (a return and its lines, …): one query for the headers, one for all their
lines, each header answered as its columns with `lines` (each line's columns but the document's number)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncSession


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

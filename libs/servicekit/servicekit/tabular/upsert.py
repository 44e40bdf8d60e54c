"""Master data imported as if each record was saved by hand, written once for every owning service (products,
customers, suppliers): the mode checked against what is stored (one batched lookup), then per chunk the stored
records read and locked (the audit's `before`), ONE `INSERT ... ON CONFLICT DO UPDATE` fed by arrays (unnest:
one statement whatever the chunk's size, no parameter limit), an audit entry per record and its `*Upserted`
event into the outbox — all in the import job's transaction."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ARRAY, JSON, Table, TextClause, any_, bindparam, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from servicekit.tabular.bulk import audit_all, chunked, plain, publish_all
from servicekit.tabular.kinds import ImportContext, RowError, ValidRow

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def keyed(column: Any, keys: Sequence[Any]) -> Any:
    """`column = ANY(:keys)` with the keys as one array parameter (an IN list of 100,000 would not bind)."""
    return column == any_(bindparam(f"{column.name}_keys", value=list(keys), type_=ARRAY(column.type)))


async def stored_keys(session: AsyncSession, column: Any, keys: Sequence[Any]) -> set[Any]:
    """Which of these keys are stored, in one statement."""
    return set(await session.scalars(select(column).where(keyed(column, keys))))


def unnest_upsert(table: Table, names: Sequence[str], key: str) -> TextClause:
    """INSERT INTO table (names) SELECT FROM unnest(one array per column) ON CONFLICT (key) DO UPDATE SET the rest.
    Parameters are named after the columns; JSON columns travel as text arrays and are cast per element."""
    quote = _PG.identifier_preparer.quote
    arrays, picks = [], []
    for name in names:
        column = table.c[name]
        if isinstance(column.type, JSON):
            arrays.append(f"CAST(:{name} AS text[])")
            picks.append(f"CAST(v.{quote(name)} AS {column.type.compile(dialect=_PG)})")
        else:
            arrays.append(f"CAST(:{name} AS {column.type.compile(dialect=_PG)}[])")
            picks.append(f"v.{quote(name)}")
    updates = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in names if n != key)
    return text(
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)})"
        f" SELECT {', '.join(picks)} FROM unnest({', '.join(arrays)}) AS v({', '.join(quote(n) for n in names)})"
        f" ON CONFLICT ({quote(key)}) DO UPDATE SET {updates}"
    )


Values = Callable[[Any, datetime], dict[str, Any]]
Event = Callable[[Any, datetime], Message]
Before = Callable[[ImportContext, list[Any]], Awaitable[dict[Any, Any]]]
After = Callable[[ImportContext, Sequence[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Upsert:
    """How the rows of one kind become records. `key` is both the table's unique column and the row model's
    field; `values(row, now)` the record's columns (key included; the same names for every row); `event(row,
    now)` what is published; `before` reads (and locks) the stored records for the audit when the table's row
    is not the whole record (products with their barcodes); `after` stores what the upsert does not (them)."""

    table: Table
    key: str
    noun: str  # in the reasons and as the audit's entity: "product"
    values: Values
    event: Event
    before: Before | None = None
    after: After | None = None
    chunk: int = 2000

    async def check(self, ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
        """Insert refuses a stored key, update an unknown one (upsert takes both)."""
        if ctx.mode == "upsert":
            return []
        keys = [getattr(r.data, self.key) for r in rows]
        stored = await stored_keys(ctx.session, self.table.c[self.key], keys)
        errors = []
        for r, key in zip(rows, keys, strict=True):
            if ctx.mode == "insert" and key in stored:
                errors.append(RowError(r.row, self.key, key, f"{self.noun} already exists (mode insert)"))
            if ctx.mode == "update" and key not in stored:
                errors.append(RowError(r.row, self.key, key, f"no such {self.noun} (mode update)"))
        return errors

    async def apply(self, ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
        items: list[BaseModel] = [r.data for r in rows]
        for part in chunked(items, self.chunk):
            keys = [getattr(m, self.key) for m in part]
            before = await (self.before or self._stored)(ctx, keys)
            values = [self.values(m, ctx.now) for m in part]
            await ctx.session.execute(self._statement(tuple(values[0])), self._arrays(values))
            if self.after is not None:
                await self.after(ctx, part)
            changes = ((k, before.get(k), m.model_dump(mode="json")) for k, m in zip(keys, part, strict=True))
            await audit_all(ctx, self.noun, changes)
            await publish_all(ctx, (self.event(m, ctx.now) for m in part))
        return len(items)

    async def _stored(self, ctx: ImportContext, keys: list[Any]) -> dict[Any, Any]:
        found = await ctx.session.execute(
            select(self.table).where(keyed(self.table.c[self.key], keys)).with_for_update()
        )
        return {getattr(r, self.key): plain(r._mapping) for r in found}

    def _statement(self, names: tuple[str, ...]) -> TextClause:
        cache = self._statements
        if names not in cache:
            cache[names] = unnest_upsert(self.table, names, self.key)
        return cache[names]

    @cached_property
    def _statements(self) -> dict[tuple[str, ...], TextClause]:
        return {}

    def _arrays(self, values: list[dict[str, Any]]) -> dict[str, list[Any]]:
        arrays: dict[str, list[Any]] = {}
        for name in values[0]:
            column = [v[name] for v in values]
            if isinstance(self.table.c[name].type, JSON):
                column = [None if x is None else json.dumps(x, ensure_ascii=False) for x in column]
            arrays[name] = column
        return arrays

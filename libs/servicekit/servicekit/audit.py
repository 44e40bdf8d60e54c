"""The audit log: who changed what, when, from what to what. Written in the transaction of the change."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables
from servicekit.fastsql import Statement, insert_of


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, dict | list | str | int | float | bool):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value)


def row_json(row: Any) -> dict[str, Any]:
    """A row (a mapping) with JSON-safe values: strings, numbers, booleans, lists and dicts as they are, the rest
    (decimals, dates, times, ids) as strings; for the audit log's before/after and for plain JSON answers."""
    return {k: (v if isinstance(v, str | int | bool | list | dict | None) else str(v)) for k, v in dict(row).items()}


async def record(
    session: AsyncSession,
    tables: KitTables,
    *,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    before: Any = None,
    after: Any = None,
    correlation_id: str | None = None,
) -> None:
    await _insert(tables.audit_log).execute(
        session,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
        correlation_id=correlation_id,
    )


@functools.cache
def _insert(table: Table) -> Statement:
    return Statement(insert_of(table, "actor", "entity", "entity_id", "action", "before", "after", "correlation_id"))

"""The audit log: who changed what, when, from what to what. Written in the transaction of the change."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables
from servicekit.fastsql import Statement, insert_of


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, dict | list | str | int | float | bool):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value)


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


class AuditEntry(BaseModel):
    """One change as a document page's audit trail shows it."""

    at: AwareDatetime
    actor: str
    action: str
    before: Any = None
    after: Any = None


async def trail(
    session: AsyncSession, tables: KitTables, entity: str, entity_id: str, limit: int = 500
) -> list[AuditEntry]:
    """The changes of one entity, oldest first (the index on entity, entity_id serves it)."""
    t = tables.audit_log
    query = (
        select(t.c.at, t.c.actor, t.c.action, t.c.before, t.c.after)
        .where(t.c.entity == entity, t.c.entity_id == entity_id)
        .order_by(t.c.id)
        .limit(limit)
    )
    return [AuditEntry.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]

"""The audit log: who changed what, when, from what to what. Written in the transaction of the change."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from pydantic import BaseModel
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


class AuditEntryRead(BaseModel):
    """One audited change of a document, for its page's audit trail."""

    at: datetime
    actor: str
    action: str
    before: Any = None
    after: Any = None


async def trail(
    session: AsyncSession, tables: KitTables, entity: str, entity_id: str, *, limit: int = 500
) -> list[AuditEntryRead]:
    """The audited changes of one document, oldest first (ix_audit_log_entity)."""
    log = tables.audit_log
    query = (
        select(log.c.at, log.c.actor, log.c.action, log.c.before, log.c.after)
        .where(log.c.entity == entity, log.c.entity_id == entity_id)
        .order_by(log.c.id)
        .limit(limit)
    )
    return [AuditEntryRead.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]

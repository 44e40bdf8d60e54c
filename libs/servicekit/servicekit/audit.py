"""The audit log: who changed what, when, from what to what. Written in the transaction of the change.

A change an event handler makes is recorded with the causing event as its context (the consumer names it on the
session, `caused_by`): `event:<type>:<event id>`, kept in the log's `correlation_id` column and shown as the
entry's `context` by `GET /audit` (servicekit.operations)."""

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


def row_json(row: Any) -> dict[str, Any]:
    """A row (a mapping) with JSON-safe values: strings, numbers, booleans, lists and dicts as they are, the rest
    (decimals, dates, times, ids) as strings; for the audit log's before/after and for plain JSON answers."""
    return {k: (v if isinstance(v, str | int | bool | list | dict | None) else str(v)) for k, v in dict(row).items()}


CAUSE = "servicekit_audit_cause"


def caused_by(session: AsyncSession, message_type: str, event_id: object) -> None:
    """The event whose handler runs in `session` now: what it changes is audited with it as context."""
    session.info[CAUSE] = f"event:{message_type}:{event_id}"


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
        correlation_id=correlation_id or session.info.get(CAUSE),
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

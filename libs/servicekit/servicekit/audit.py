"""The audit log: who changed what, when, from what to what. Written in the transaction of the change."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables


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
    await session.execute(
        insert(tables.audit_log).values(
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=_jsonable(before),
            after=_jsonable(after),
            correlation_id=correlation_id,
        )
    )

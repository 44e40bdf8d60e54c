"""Inbox: the record that a consumer has processed a message, written in the same transaction as the
message's effect. A redelivered message finds its record and has no second effect; a concurrent duplicate
waits on the primary key until the first commits, then finds it."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from servicekit.db import KitTables


@functools.cache
def _claim_statement(table: Table) -> ReturningInsert[Any]:
    # Built once: constructing the statement on every message costs more than executing it.
    return insert(table).on_conflict_do_nothing().returning(table.c.message_id)


async def claim(
    session: AsyncSession, tables: KitTables, consumer: str, message_id: uuid.UUID, message_type: str
) -> bool:
    """True when this message is new for this consumer (and is now recorded); False for a duplicate."""
    result = await session.execute(
        _claim_statement(tables.inbox),
        {"consumer": consumer, "message_id": message_id, "message_type": message_type},
    )
    return result.first() is not None


_CLAIM_MANY = text(
    "INSERT INTO inbox (consumer, message_id, message_type) "
    "SELECT :consumer, m.id, m.type FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS varchar[])) AS m(id, type) "
    "ON CONFLICT DO NOTHING RETURNING message_id"
)


async def claim_many(
    session: AsyncSession, tables: KitTables, consumer: str, messages: list[tuple[uuid.UUID, str]]
) -> set[uuid.UUID]:
    """Claim several messages in one statement; returns the ids that were new for this consumer."""
    assert tables.inbox.name == "inbox"
    result = await session.execute(
        _CLAIM_MANY,
        {"consumer": consumer, "ids": [m[0] for m in messages], "types": [m[1] for m in messages]},
    )
    return {row[0] for row in result}

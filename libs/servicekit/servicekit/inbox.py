"""Inbox: the record that a consumer has processed a message, written in the same transaction as the
message's effect. A redelivered message finds its record and has no second effect; a concurrent duplicate
waits on the primary key until the first commits, then finds it."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables


async def claim(
    session: AsyncSession, tables: KitTables, consumer: str, message_id: uuid.UUID, message_type: str
) -> bool:
    """True when this message is new for this consumer (and is now recorded); False for a duplicate."""
    result = await session.execute(
        insert(tables.inbox)
        .values(consumer=consumer, message_id=message_id, message_type=message_type)
        .on_conflict_do_nothing()
        .returning(tables.inbox.c.message_id)
    )
    return result.first() is not None

"""Inbox: the record that a consumer has processed a message, written in the same transaction as the
message's effect. A redelivered message finds its record and has no second effect; a concurrent duplicate
waits on the primary key until the first commits, then finds it."""

from __future__ import annotations

import functools
import uuid

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables
from servicekit.fastsql import Statement, insert_of


@functools.cache
def _claim_statement(table: Table) -> Statement:
    # Built once: constructing the statement on every message costs more than executing it.
    return Statement(
        insert_of(table, "consumer", "message_id", "message_type")
        .on_conflict_do_nothing()
        .returning(table.c.message_id)
    )


async def claim(
    session: AsyncSession, tables: KitTables, consumer: str, message_id: uuid.UUID, message_type: str
) -> bool:
    """True when this message is new for this consumer (and is now recorded); False for a duplicate."""
    row = await _claim_statement(tables.inbox).fetchrow(
        session, consumer=consumer, message_id=message_id, message_type=message_type
    )
    return row is not None


# The batch's claims, setting the transaction's lock timeout on the way (set_config(..., true) is SET LOCAL): one
# round trip instead of two.
_CLAIM_MANY = Statement(
    text(
        "INSERT INTO inbox (consumer, message_id, message_type) "
        "SELECT :consumer, m.id, m.type FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS varchar[])) AS m(id, type), "
        "(SELECT set_config('lock_timeout', CAST(:lock_timeout AS text), true)) AS setting "
        "ON CONFLICT DO NOTHING RETURNING message_id"
    )
)


async def claim_many(
    session: AsyncSession,
    tables: KitTables,
    consumer: str,
    messages: list[tuple[uuid.UUID, str]],
    *,
    lock_timeout: str,
) -> set[uuid.UUID]:
    """Claim several messages in one statement; returns the ids that were new for this consumer. The rest of the
    transaction waits no longer than `lock_timeout` ('100ms') for a lock."""
    assert tables.inbox.name == "inbox"
    rows = await _CLAIM_MANY.fetch(
        session,
        consumer=consumer,
        ids=[m[0] for m in messages],
        types=[m[1] for m in messages],
        lock_timeout=lock_timeout,
    )
    return {row[0] for row in rows}

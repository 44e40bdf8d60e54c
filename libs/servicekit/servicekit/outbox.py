"""Transactional outbox: a message is stored in the same database transaction as the state change that
causes it. `OutboxRelay` (in relay.py) later publishes it to Kafka.

A transaction may defer its outbox rows (`defer`): they are collected and written in one multi-row insert by
`flush` just before it commits (the consumer does this for a whole batch of messages), in publishing order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Envelope, Message, topic_of
from servicekit.db import KitTables
from servicekit.fastsql import Statement


class Outbox:
    """Writes messages of one producer (the service) into its outbox table."""

    def __init__(self, tables: KitTables, producer: str) -> None:
        assert tables.outbox.name == "outbox"  # the statements below name it
        self.producer = producer

    async def add(
        self,
        session: AsyncSession,
        message: Message,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        envelope = Envelope.wrap(
            message, producer=self.producer, correlation_id=correlation_id, causation_id=causation_id
        )
        await self.write(session, [(message, envelope)])
        return envelope

    async def write(self, session: AsyncSession, items: Sequence[tuple[Message, Envelope]]) -> None:
        """Store wrapped messages now, or with the transaction's deferred rows when it defers them."""
        if not items:
            return
        pending: list[dict[str, Any]] | None = session.info.get(_PENDING)
        rows = [_row(message, envelope) for message, envelope in items]
        if pending is not None:
            pending.extend(rows)
        else:
            await _insert(session, rows)

    @staticmethod
    def defer(session: AsyncSession) -> None:
        """Collect this transaction's outbox rows until `flush` (call it before the transaction commits)."""
        session.info[_PENDING] = []

    async def flush(self, session: AsyncSession) -> None:
        pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
        if pending:
            await _insert(session, pending)


_PENDING = "outbox_pending"
# The envelope goes in as JSON text serialized by pydantic (faster than a dict through json.dumps).
# All of a transaction's rows in one statement (arrays, one bind): cheaper than executemany's row-by-row binds.
_INSERT = Statement(
    text(
        "INSERT INTO outbox (event_id, topic, key, message_type, envelope) "
        "SELECT e, t, k, m, CAST(j AS jsonb) FROM unnest(CAST(:event_id AS uuid[]), CAST(:topic AS varchar[]),"
        " CAST(:key AS varchar[]), CAST(:message_type AS varchar[]), CAST(:envelope AS text[]))"
        " WITH ORDINALITY AS r(e, t, k, m, j, n) ORDER BY n"
    )
)


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _INSERT.execute(session, **{column: [row[column] for row in rows] for column in _COLUMNS})


_COLUMNS = ("event_id", "topic", "key", "message_type", "envelope")


def _row(message: Message, envelope: Envelope) -> dict[str, Any]:
    return {
        "event_id": envelope.event_id,
        "topic": topic_of(message).name,
        "key": envelope.key,
        "message_type": envelope.type,
        "envelope": envelope.model_dump_json(),
    }

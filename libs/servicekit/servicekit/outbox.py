"""Transactional outbox: a message is stored in the same database transaction as the state change that
causes it. `OutboxRelay` (in relay.py) later publishes it to Kafka."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Envelope, Message, topic_of
from servicekit.db import KitTables


class Outbox:
    """Writes messages of one producer (the service) into its outbox table."""

    def __init__(self, tables: KitTables, producer: str) -> None:
        self._table = tables.outbox
        self._insert = insert(tables.outbox)  # built once: constructing it per message costs more than running it
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
        await session.execute(
            self._insert,
            {
                "event_id": envelope.event_id,
                "topic": topic_of(message).name,
                "key": envelope.key,
                "message_type": envelope.type,
                "envelope": envelope.model_dump(mode="json"),
            },
        )
        return envelope

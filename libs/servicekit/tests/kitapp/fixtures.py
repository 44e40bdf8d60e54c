"""Shared pieces of the servicekit tests: make messages, send raw records, start the kit app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

from contracts import Envelope
from contracts.sales import CustomerUpserted
from kitapp import app as kitapp
from servicekit import _compat
from servicekit.config import ServiceSettings
from servicekit.kafka import Producer
from servicekit.migrations import upgrade_to_head
from servicekit.runtime import Runtime
from servicekit.testing import Infra, pin_group_to_end

TOPIC = "sales.customers"


def customer(code: str, name: str = "Acme") -> CustomerUpserted:
    return CustomerUpserted(
        customer_code=code,
        name=name,
        credit_limit=Decimal("1000.00"),
        payment_terms_days=30,
        updated_at=datetime.now(UTC),
    )


def envelope(message: CustomerUpserted) -> Envelope:
    return Envelope.wrap(message, producer="test")


@asynccontextmanager
async def producer(infra: Infra) -> AsyncIterator[AIOKafkaProducer]:
    p = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def send_raw(p: AIOKafkaProducer, key: str, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> None:
    await p.send_and_wait(TOPIC, value=value, key=key.encode(), headers=headers or [])


async def send(p: AIOKafkaProducer, env: Envelope, headers: list[tuple[str, bytes]] | None = None) -> None:
    await send_raw(p, env.key, env.model_dump_json().encode(), headers)


def new_group() -> str:
    return f"kit-{uuid.uuid4().hex[:10]}"


async def migrate(database_url: str) -> None:
    upgrade_to_head(kitapp.definition().migrations_dir, database_url)  # type: ignore[arg-type]


@asynccontextmanager
async def running(
    infra: Infra, database_url: str, group: str, **overrides: Any
) -> AsyncIterator[Runtime[ServiceSettings]]:
    await pin_group_to_end(infra.kafka_bootstrap, group, [TOPIC])
    runtime = Runtime(kitapp.definition(), kitapp.settings(database_url, infra.kafka_bootstrap, group, **overrides))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def effects_for(runtime: Runtime[ServiceSettings], code: str) -> int:
    async with runtime.db.transaction() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(kitapp.effects).where(kitapp.effects.c.customer_code == code)
            )
            or 0
        )


async def lose_producer_state(producer: Producer, topic: str = TOPIC) -> None:
    """Put a running producer out of step with the broker, as aiokafka does itself when it fails a batch that
    waited too long for a partition leader (a broker restart) after giving it sequence numbers: the real broker
    then refuses each later batch of that producer with OUT_OF_ORDER_SEQUENCE_NUMBER, and aiokafka never
    recovers. Done by advancing aiokafka's private sequence counters: no public call makes that gap."""
    current = producer._current
    assert current is not None, "start the producer first"
    for partition in await current.partitions_for(topic):
        _compat.skip_sequence_numbers(current, TopicPartition(topic, partition), 7)

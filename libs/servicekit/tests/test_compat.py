"""Canaries for servicekit._compat: each private part of aiokafka, FastStream and SQLAlchemy it uses is still
there and still does what we rely on. An upgrade that moves one fails here, by name, before anything else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit import _compat
from servicekit.testing import Infra


def test_installed_versions_are_in_the_tested_range() -> None:
    _compat.check_versions()


def test_a_version_outside_the_tested_range_is_refused_by_name() -> None:
    versions = {"aiokafka": "0.14.0", "faststream": "0.9.0", "sqlalchemy": "2.1.9", "asyncpg": "0.32.0"}
    with pytest.raises(_compat.UnsupportedVersionError, match=r"faststream 0\.9\.0 \(tested: >=0\.6,<0\.8\)"):
        _compat.check_versions(versions.__getitem__)


def test_compiled_statement_internals() -> None:
    t = Table("t", MetaData(), Column("id", Integer), Column("amount", Numeric(12, 2)), Column("name", String))
    compiled: Any = select(t.c.id, t.c.amount).where(t.c.name == "x").compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
    assert not _compat.needs_postcompile(compiled)
    assert isinstance(_compat.bind_processors(compiled), dict)
    columns = _compat.result_columns(compiled)
    assert [c[0] for c in columns] == ["id", "amount"]
    # a type whose processor needs nothing from the column: callable or None, never an error
    processor = _compat.result_processor(columns[0][3], compiled.dialect)
    assert processor is None or callable(processor)


async def test_asyncpg_adapter_internals(infra: Infra) -> None:
    engine = create_async_engine(infra.pg_admin_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.connect() as conn:
            adapted = (await conn.get_raw_connection()).dbapi_connection
            raw = _compat.adapted_raw(adapted)
            assert type(raw).__module__.startswith("asyncpg")
            await _compat.adapted_begin(adapted)
            assert _compat.adapted_in_transaction(adapted)
            assert raw.is_in_transaction()
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_producer_internals_choose_the_partition_send_chooses(infra: Infra) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    try:
        await _compat.wait_on_metadata(producer, "sales.orders")
        partitions = producer.partitions_for("sales.orders")
        chosen = {_compat.partition_of(producer, "sales.orders", f"k{i}".encode(), b"v") for i in range(50)}
        assert chosen <= set(await partitions) and len(chosen) > 1
    finally:
        await producer.stop()


async def test_consumer_fetch_wait_is_read_from_the_fetcher(infra: Infra) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, fetch_max_wait_ms=25)
    await consumer.start()
    try:
        consumer.assign([TopicPartition("sales.orders", 0)])
        await consumer.getmany(timeout_ms=10)
        _compat.set_fetch_max_wait(consumer, 77)
        assert _compat.kafka_client_of(consumer) is not None
        # the fetcher builds its requests from this attribute (test_fetch_window.py watches them on the wire)
        assert _compat.fetch_max_wait_set(consumer) == 77
    finally:
        await consumer.stop()


def test_faststream_batch_subscriber_polls_through_get_msg() -> None:
    broker = KafkaBroker("127.0.0.1:1")
    subscriber: Any = broker.subscriber(f"t-{uuid.uuid4().hex[:6]}", group_id="g", batch=True)
    assert callable(subscriber.get_msg), "FastStream's batch subscriber no longer polls through get_msg"

    async def mine(consumer: Any) -> tuple[Any, ...]:
        return ()

    _compat.replace_batch_poll(subscriber, mine)
    assert subscriber.get_msg is mine

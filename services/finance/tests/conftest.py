"""One finance service (real Postgres + real Kafka, ManualClock) shared by the tests of a session."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).parent))

from finance_testkit import Harness

from finance.config import FinanceSettings
from finance.main import create_app, definition
from servicekit.clock import ManualClock
from servicekit.testing import Infra, create_database, drop_database, serve, service_settings


@pytest.fixture(scope="module")  # torn down before other packages run: no stray consumers
async def finance(infra: Infra) -> AsyncIterator[Harness]:
    url = await create_database(infra, prefix="fin")
    clock = ManualClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    settings = await service_settings(FinanceSettings, infra, url, pin=definition().handlers.topics)  # type: ignore[union-attr]
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with serve(create_app(settings, clock=clock)) as client:
            yield Harness(client, producer, clock)
    finally:
        await producer.stop()
        await drop_database(infra, url)

"""One sales service (real Postgres + real Kafka, ManualClock) shared by the tests of one module; stopped
after it, so no stray sales consumer outlives its tests."""

from __future__ import annotations

import random
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))

from sales_testkit import COMMAND_TOPICS, Harness

from sales.config import SalesSettings
from sales.db import kit
from sales.main import create_app, definition
from servicekit.clock import ManualClock
from servicekit.testing import Infra, TopicTail, create_database, drop_database, serve, service_settings


@pytest.fixture(scope="module")  # torn down before other packages run: no stray consumers
async def sales(infra: Infra) -> AsyncIterator[Harness]:
    url = await create_database(infra, prefix="sales")
    clock = ManualClock(datetime.now(UTC))
    settings = await service_settings(
        SalesSettings,
        infra,
        url,
        pin=definition().handlers.topics,  # type: ignore[union-attr]
        saga_step_timeout_seconds=30,
        saga_max_attempts=3,
        saga_tick_seconds=3600,  # tests run the deadline job themselves (run_once)
    )
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with (
            TopicTail(infra.kafka_bootstrap, *COMMAND_TOPICS) as tail,
            serve(create_app(settings, clock=clock)) as client,
        ):
            harness = Harness(client, producer, clock, tail)
            # Order numbers unlike any other test database's, so stray replies never match our orders.
            async with harness.runtime.db.transaction() as s:
                await s.execute(
                    insert(kit.document_sequences).values(
                        prefix="SO", year=clock.now().year, last_value=random.randrange(10**7, 10**11)
                    )
                )
            yield harness
    finally:
        await producer.stop()
        await drop_database(infra, url)

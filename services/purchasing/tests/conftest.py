"""One purchasing service (real Postgres + real Kafka, ManualClock) shared by the tests of a session;
tests use unique skus, suppliers and documents, so they do not see each other."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).parent))

from purchasing_testkit import Harness

from purchasing.config import PurchasingSettings
from purchasing.main import create_app, definition
from servicekit.clock import ManualClock
from servicekit.testing import Infra, create_database, drop_database, serve, service_settings


@pytest.fixture(scope="module")  # torn down before other packages run: no stray consumers
async def purchasing(infra: Infra, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    url = await create_database(infra, prefix="pur")
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    settings = await service_settings(
        PurchasingSettings,
        infra,
        url,
        pin=definition().handlers.topics,  # type: ignore[union-attr]
        overdue_scan_seconds=3600,
        default_warehouse="WH-PUR",  # the tests run the scan themselves (run_once), never by waiting
        # A module that reads what purchasing emits from its outbox sets START_RELAY = False (the relay would
        # publish and delete the rows); modules that follow the topics keep it.
        start_relay=getattr(request.module, "START_RELAY", True),
    )
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with serve(create_app(settings, clock=clock)) as client:
            harness = Harness(client, producer, clock, infra)
            await harness.isolate_numbers()
            await harness.default_rules()
            yield harness
    finally:
        await producer.stop()
        await drop_database(infra, url)

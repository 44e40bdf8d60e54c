"""Fixtures of the inventory tests: the service running in-process on a fresh database and a consumer group
pinned at the end of its topics, with a Kafka producer to send saga commands."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).parent))

from inventory_testkit import Inventory

from inventory.config import InventorySettings
from inventory.main import create_app, definition
from servicekit.testing import Infra, serve, service_settings


@pytest.fixture
async def inv(infra: Infra, database_url: str) -> AsyncIterator[Inventory]:
    handlers = definition().handlers
    assert handlers is not None
    settings = await service_settings(InventorySettings, infra, database_url, pin=handlers.topics)
    app = create_app(settings)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with serve(app) as client:
            yield Inventory(infra, client, app.state.runtime, producer)
    finally:
        await producer.stop()

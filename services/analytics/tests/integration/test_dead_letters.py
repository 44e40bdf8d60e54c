"""A record analytics cannot read is dead-lettered (dlq.analytics) with the reason, and what follows it on the
same partition still flows; the migrations build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from analytics_testkit import Analytics, Story, analytics_service, publish
from sqlalchemy.ext.asyncio import create_async_engine

from analytics.db import metadata
from analytics.main import MIGRATIONS
from contracts import Envelope
from contracts.envelope import HEADER_DLQ_REASON
from servicekit.migrations import upgrade_to_head
from servicekit.testing import Infra, TopicTail, create_database, drop_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def service(infra: Infra) -> Analytics:
    async with analytics_service(infra) as svc:
        yield svc


def _reason(record: object) -> str:
    return dict(record.headers or ())[HEADER_DLQ_REASON].decode()  # type: ignore[attr-defined]


async def test_malformed_and_unknown_records_are_dead_lettered_and_the_rest_flows(
    infra: Infra, service: Analytics
) -> None:
    story = Story()
    placed = story.history()[0][7]  # OrderPlaced SO-1
    key = placed.key().encode()
    good = Envelope.wrap(placed, producer="sales")
    bad_payload = good.model_copy(update={"event_id": uuid.uuid4(), "payload": {**good.payload, "channel": "fax"}})
    unknown_version = good.model_copy(update={"event_id": uuid.uuid4(), "version": 9})
    async with TopicTail(infra.kafka_bootstrap, "dlq.analytics") as dlq:
        await service.producer.send_and_wait("sales.orders", value=b"{not json", key=key)
        for env in (bad_payload, unknown_version):
            await service.producer.send_and_wait("sales.orders", value=env.model_dump_json().encode(), key=key)
        await publish(service.producer, placed, good)  # after the poison, same key, same partition
        await service.processed([good])
        records = await dlq.wait_for(lambda rs: len(rs) >= 3, timeout=30)
    assert sorted(_reason(r) for r in records) == ["contract_violation", "contract_violation", "invalid_envelope"]
    assert {r.key for r in records} == {key}
    assert await service.scalar("SELECT channel FROM orders WHERE order_no = :o", o=story.so1) == "web"
    placed_at = await service.scalar("SELECT at FROM order_steps WHERE order_no = :o AND step = 'placed'", o=story.so1)
    assert placed_at == datetime(2026, 2, 15, 1, 0, tzinfo=UTC)


async def test_migrations_match_the_models(infra: Infra) -> None:
    url = await create_database(infra, prefix="mig_analytics")
    try:
        upgrade_to_head(MIGRATIONS, url)
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
        await engine.dispose()
        assert diff == []
    finally:
        await drop_database(infra, url)

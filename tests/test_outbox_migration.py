"""Kit table migrations on a database made before them: kit tables v2 drop the rows the relay had already
published (and marked), never sent again, keep the rows still to be sent, and drop the `published_at` column and
its index; kit tables v4 keep an unsent row's envelope and give it its headers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from servicekit.migrations import upgrade_to_head
from servicekit.testing import Infra, asyncpg_url, create_database, drop_database
from tools.stack import service_module

pytestmark = pytest.mark.integration


@asynccontextmanager
async def _sales_database(infra: Infra, revision: str) -> AsyncIterator[tuple[asyncpg.Connection, str]]:
    """A sales database migrated to `revision`, and a connection to it (the test shapes its outbox as that
    revision had it, then upgrades with `_upgrade`)."""
    url = await create_database(infra, prefix="mig_outbox")
    try:
        upgrade_to_head(service_module("sales").MIGRATIONS, url, revision)
        conn = await asyncpg.connect(asyncpg_url(url))
        try:
            yield conn, url
        finally:
            await conn.close()
    finally:
        await drop_database(infra, url)


def _upgrade(url: str) -> None:
    upgrade_to_head(service_module("sales").MIGRATIONS, url)


async def test_an_old_outbox_keeps_only_its_unsent_rows(infra: Infra) -> None:
    async with _sales_database(infra, "0002") as (conn, url):
        # The outbox as kit tables v1 made it, with one row published (marked) and one not yet.
        await conn.execute(
            "ALTER TABLE outbox ADD COLUMN published_at timestamptz;"
            " CREATE INDEX ix_outbox_unpublished ON outbox (id) WHERE published_at IS NULL"
        )
        for key, published in (("SO-sent", "now()"), ("SO-unsent", "NULL")):
            await conn.execute(
                "INSERT INTO outbox (event_id, topic, key, message_type, version, correlation_id, envelope,"
                f" published_at) VALUES (gen_random_uuid(), 'sales.orders', $1, 'OrderPlaced', 1, $1, '{{}}',"
                f" {published})",
                key,
            )

        _upgrade(url)

        assert [r["key"] for r in await conn.fetch("SELECT key FROM outbox")] == ["SO-unsent"]
        columns = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'")
        assert "published_at" not in {r["column_name"] for r in columns}
        assert await conn.fetchval("SELECT to_regclass('ix_outbox_unpublished')") is None


async def test_rows_left_in_a_jsonb_outbox_are_sent_as_they_were(infra: Infra) -> None:
    """Kit tables v4 on a database made before it: a row still to be sent keeps its envelope (now the JSON text
    that goes to Kafka) and gets its version and correlation id headers from it; the event id is no longer
    unique-indexed."""
    async with _sales_database(infra, "0004") as (conn, url):
        # The outbox as kit tables v3 made it (the first migration now creates v4's).
        await conn.execute(
            "ALTER TABLE outbox DROP COLUMN version, DROP COLUMN correlation_id,"
            " ALTER COLUMN envelope TYPE jsonb USING envelope::jsonb,"
            " ADD CONSTRAINT uq_outbox_event_id UNIQUE (event_id)"
        )
        envelope = '{"type": "OrderPlaced", "version": 2, "correlation_id": "SO-1", "payload": {"a": 1}}'
        await conn.execute(
            "INSERT INTO outbox (event_id, topic, key, message_type, envelope)"
            " VALUES (gen_random_uuid(), 'sales.orders', 'SO-1', 'OrderPlaced', $1::jsonb)",
            envelope,
        )

        _upgrade(url)

        row = await conn.fetchrow("SELECT envelope, version, correlation_id FROM outbox")
        assert json.loads(row["envelope"]) == json.loads(envelope)
        assert (row["version"], row["correlation_id"]) == (2, "SO-1")
        assert await conn.fetchval("SELECT to_regclass('uq_outbox_event_id')") is None

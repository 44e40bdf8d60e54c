"""The PostgreSQL server deploy/local provisions (and tests run on) has the settings the platform relies on."""

from __future__ import annotations

import asyncpg
import pytest

from servicekit.testing import Infra

pytestmark = pytest.mark.integration


async def test_autovacuum_visits_each_database_every_few_seconds(infra: Infra) -> None:
    # The outbox is a queue and a new database's tables fill from empty: a minute between autovacuum visits left
    # the outbox full of dead rows and cached plans made without statistics (sequential scans) under load.
    conn = await asyncpg.connect(infra.pg_admin_url)
    try:
        naptime = await conn.fetchval("SELECT setting::int FROM pg_settings WHERE name = 'autovacuum_naptime'")
        assert await conn.fetchval("SHOW autovacuum") == "on"
    finally:
        await conn.close()
    assert naptime <= 5

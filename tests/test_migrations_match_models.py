"""Each service's migrations produce exactly the schema its table definitions describe (no forgotten migration)."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.migrations import upgrade_to_head
from servicekit.testing import Infra, create_database, drop_database
from tools.stack import SERVICES, service_module

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models(infra: Infra, service: str) -> None:
    url = await create_database(infra, prefix=f"mig_{service}")
    try:
        upgrade_to_head(service_module(service).MIGRATIONS, url)
        metadata = importlib.import_module(f"{service}.db").metadata
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
        await engine.dispose()
        assert diff == [], f"{service}: the models differ from the migrated schema: {diff}"
    finally:
        await drop_database(infra, url)

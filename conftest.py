"""Fixtures shared by every test: the real Kafka broker and PostgreSQL server (see servicekit.testing)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from servicekit.testing import Infra, create_database, discover_infra, drop_database


@pytest.fixture(scope="session")
def infra() -> Infra:
    return discover_infra()


@pytest.fixture
async def database_url(infra: Infra) -> AsyncIterator[str]:
    """A fresh empty database for one test, dropped afterwards."""
    url = await create_database(infra)
    yield url
    await drop_database(infra, url)

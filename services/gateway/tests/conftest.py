"""The gateway on the real broker and database, listening on a real port (the services fetch its JWKS by
URL), in front of a real sales service that verifies its tokens through that JWKS. One stack per test module."""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gateway_testkit import Stack, echo_upstream, free_port

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from sales.config import SalesSettings
from sales.main import create_app as create_sales
from sales.main import definition as sales_definition
from servicekit.testing import Infra, create_database, drop_database, listen, service_settings

ADMIN_PASSWORD = "admin-pass-2026"


@contextlib.asynccontextmanager
async def gateway_stack(infra: Infra, **gateway_overrides: object) -> AsyncIterator[Stack]:
    gw_port, sales_port, fake_port = free_port(), free_port(), free_port()
    gw_url, sales_url = f"http://127.0.0.1:{gw_port}", f"http://127.0.0.1:{sales_port}"
    gw_db = await create_database(infra, prefix="gateway")
    sales_db = await create_database(infra, prefix="gwsales")
    try:
        gw_settings = await service_settings(
            GatewaySettings, infra, gw_db, issuer=gw_url, sales_url=sales_url,
            # "inventory" is a stand-in that echoes what it got; nothing listens at purchasing's address.
            inventory_url=f"http://127.0.0.1:{fake_port}", purchasing_url=f"http://127.0.0.1:{free_port()}",
            upstream_timeout_seconds=1, max_body_bytes=64 * 1024,
            bootstrap_admin_password=ADMIN_PASSWORD, **gateway_overrides,
        )  # fmt: skip
        sales_settings = await service_settings(
            SalesSettings, infra, sales_db, pin=sales_definition().handlers.topics,  # type: ignore[union-attr]
            jwt_jwks_url=f"{gw_url}/.well-known/jwks.json", jwt_issuer=gw_url, jwt_audience="order-tracking",
            jwt_jwks_cache_seconds=2,
        )  # fmt: skip
        gateway_app = create_gateway(gw_settings)
        async with (
            listen(gateway_app, gw_port),
            listen(create_sales(sales_settings), sales_port),
            listen(echo_upstream(), fake_port),
        ):
            yield Stack(gw_url, sales_url, gateway_app, uuid.uuid4().hex[:8])
    finally:
        await drop_database(infra, gw_db)
        await drop_database(infra, sales_db)


@pytest.fixture(scope="module")
async def stack(infra: Infra) -> AsyncIterator[Stack]:
    async with gateway_stack(infra) as s:
        yield s

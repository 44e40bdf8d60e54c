"""Live events end to end: sales, inventory and finance behind the gateway (RS256 through its JWKS); an order
placed through the proxy by a signed-in sales user produces its status-change notices on that user's
Server-Sent Events stream within 2 s; a warehouse user receives no finance notices; a stream that reconnects
with Last-Event-ID loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from e2e_support import customer, product_with_stock
from harness import GATEWAY_ADMIN_PASSWORD, GatewayPlatform, behind_gateway

from servicekit.testing import Infra, eventually
from tools.workload import BearerApi

pytestmark = pytest.mark.integration


@dataclass
class Stream:
    """An open /api/events stream, read in the background."""

    notices: list[tuple[int, dict[str, Any], float]] = field(default_factory=list)  # id, data, received at
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def of(self, number: str) -> list[tuple[int, dict[str, Any], float]]:
        return [n for n in self.notices if n[1]["number"] == number]


async def _read(client: httpx.AsyncClient, stream: Stream, headers: dict[str, str]) -> None:
    async with client.stream("GET", "/api/events", headers=headers, timeout=None) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        stream.opened.set()
        event_id, data = None, None
        async for line in r.aiter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and event_id is not None and data is not None:
                stream.notices.append((event_id, data, time.monotonic()))
                event_id, data = None, None


@contextlib.asynccontextmanager
async def listening(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> AsyncIterator[Stream]:
    stream = Stream()
    task = asyncio.create_task(_read(client, stream, headers or {}))
    await asyncio.wait_for(stream.opened.wait(), timeout=10)
    try:
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _browser(platform: GatewayPlatform, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=platform.gateway_url, headers={"Origin": platform.gateway_url}, timeout=30)
    r = await client.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return client


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[GatewayPlatform]:
    async with behind_gateway(infra) as p:
        await asyncio.wait_for(p.gateway_app.state.gateway.hub.ready.wait(), timeout=30)
        yield p


async def _setup(platform: GatewayPlatform) -> tuple[BearerApi, httpx.AsyncClient, dict[str, httpx.AsyncClient]]:
    async with httpx.AsyncClient(base_url=platform.gateway_url) as c:
        r = await c.post("/auth/token", json={"username": "admin", "password": GATEWAY_ADMIN_PASSWORD})
        token = r.json()["access_token"]
    api = BearerApi(platform.clients, token)
    admin = await _browser(platform, "admin", GATEWAY_ADMIN_PASSWORD)
    browsers = {}
    for role in ("sales", "warehouse"):
        body = {"username": f"{role}-live", "display_name": role, "roles": [role], "password": f"{role}-pass-2026"}
        r = await admin.post("/api/gateway/users", json=body, headers={"X-CSRF-Token": admin.cookies["ot_csrf"]})
        assert r.status_code in (201, 409), r.text
        browsers[role] = await _browser(platform, f"{role}-live", f"{role}-pass-2026")
    return api, admin, browsers


async def test_notices_reach_the_roles_that_may_see_them_and_resume_loses_nothing(platform: GatewayPlatform) -> None:
    api, admin, browsers = await _setup(platform)
    await api.warehouse()
    sku = await product_with_stock(api, 100)
    code = await customer(api)
    sales = browsers["sales"]
    async with (
        listening(sales) as sales_stream,
        listening(browsers["warehouse"]) as warehouse_stream,
        listening(admin) as admin_stream,
    ):
        async with listening(sales) as interrupted:
            body = api.order_body(code, [(sku, 2, "10.00")])
            placed_at = time.monotonic()
            csrf = {"X-CSRF-Token": sales.cookies["ot_csrf"]}
            r = await sales.post("/api/sales/orders", json=body, headers=csrf)
            assert r.status_code == 201, r.text
            order_no = r.json()["order_no"]
            # The first notice arrives; this stream is closed right after it, the saga going on meanwhile.
            await eventually(lambda: _value(interrupted.of(order_no)), bool, timeout=10, interval=0.02)
            last_seen = interrupted.notices[-1][0]
        statuses = await eventually(
            lambda: _value([n[1]["status"] for n in sales_stream.of(order_no)]),
            lambda s: "confirmed" in s, timeout=30, interval=0.05,
        )  # fmt: skip
        first = sales_stream.of(order_no)[0]
        assert first[2] - placed_at < 2.0, "the first notice came later than 2 s after the placement"
        assert first[1]["entity"] == "sales_order" and first[1]["service"] == "sales"
        assert {"pending", "reserving", "confirmed"} <= set(statuses)
        confirmed = next(n for n in sales_stream.of(order_no) if n[1]["status"] == "confirmed")
        assert confirmed[2] - placed_at < 2.0 * 5, "the order's notices trickled in far too slowly"
        everything = admin_stream.of(order_no)
        assert any(n[1]["service"] == "finance" for n in everything), "no finance notice was published at all"
        assert warehouse_stream.of(order_no), "the warehouse saw nothing of the order"
        assert all(n[1]["service"] != "finance" for n in warehouse_stream.notices)
        assert all(n[1]["service"] != "finance" for n in sales_stream.notices)
        expected = [n[0] for n in sales_stream.notices if n[0] > last_seen]
        assert expected, "nothing happened after the interrupted stream's last notice: the resume proves nothing"

    # Reconnect with Last-Event-ID: everything the sales user may see since that id, in order, none twice.
    async with listening(sales, {"Last-Event-ID": str(last_seen)}) as resumed:
        await eventually(
            lambda: _value([n[0] for n in resumed.notices]), lambda ids: ids[: len(expected)] == expected,
            timeout=10, interval=0.05,
        )  # fmt: skip
    for client in (admin, *browsers.values()):
        await client.aclose()


async def _value(value: Any) -> Any:
    return value

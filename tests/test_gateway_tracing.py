"""Tracing through the gateway: an order placed through the proxy is one trace from the gateway's request span,
through its CLIENT span of the proxied call, to sales' request span and on (sales → inventory → finance → sales,
tests/test_tracing_e2e.py follows that part)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from e2e_support import customer, product_with_stock
from harness import GATEWAY_ADMIN_PASSWORD, GatewayPlatform, behind_gateway
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from servicekit import tracing
from servicekit.testing import Infra, eventually
from tools.workload import BearerApi

pytestmark = pytest.mark.integration
ORDER = "platform.correlation_id"  # a message's correlation id: its order's number


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()

    def provider(service: str) -> TracerProvider:
        p = TracerProvider(resource=Resource.create({"service.name": service}), sampler=tracing.sampler())
        p.add_span_processor(SimpleSpanProcessor(spans))
        return p

    with tracing.providers(provider):
        yield spans


@pytest.fixture(scope="module")
async def platform(infra: Infra, exporter: InMemorySpanExporter) -> AsyncIterator[GatewayPlatform]:
    async with behind_gateway(infra) as p:
        yield p


def _service(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


async def test_an_order_placed_through_the_proxy_is_one_trace_from_the_gateway(
    platform: GatewayPlatform, exporter: InMemorySpanExporter
) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as gw:
        r = await gw.post("/auth/token", json={"username": "admin", "password": GATEWAY_ADMIN_PASSWORD})
        token = r.json()["access_token"]
        api = BearerApi(platform.clients, token)
        await api.warehouse()
        sku = await product_with_stock(api, 5)
        code = await customer(api)
        flow = f"trace-{uuid.uuid4().hex[:8]}"
        r = await gw.post(
            "/api/sales/orders",
            json=api.order_body(code, [(sku, 1, "10.00")]),
            headers={"Authorization": f"Bearer {token}", "X-Correlation-ID": flow},
        )
        assert r.status_code == 201, r.text
        assert r.headers.get_list("x-correlation-id") == [flow]
    order_no = r.json()["order_no"]

    def served(spans: list[ReadableSpan]) -> list[ReadableSpan]:
        return [
            s for s in spans if _service(s) == "sales" and s.kind == SpanKind.SERVER and s.name == "POST /api/v1/orders"
        ]

    async def finished() -> list[ReadableSpan]:
        return list(exporter.get_finished_spans())

    def of_order(spans: list[ReadableSpan]) -> list[ReadableSpan]:
        return [s for s in spans if _service(s) == "inventory" and (s.attributes or {}).get(ORDER) == order_no]

    spans = await eventually(finished, lambda ss: bool(of_order(ss)), timeout=20)
    by_id = {s.context.span_id: s for s in spans}
    # The sales request span of this order: the one whose trace holds the inventory handling of the order.
    inventory = of_order(spans)[0]
    [request] = [s for s in served(spans) if s.context.trace_id == inventory.context.trace_id]
    client = by_id[request.parent.span_id]  # type: ignore[union-attr]
    assert (_service(client), client.kind) == ("gateway", SpanKind.CLIENT)
    root = by_id[client.parent.span_id]  # type: ignore[union-attr]
    assert (_service(root), root.kind, root.parent) == ("gateway", SpanKind.SERVER, None)

"""Tracing and metrics across services on the real broker and databases: one order's trace runs from its
`POST /orders` through inventory and finance and back to sales, every span under the right parent (spans kept
by the SDK's in-memory exporter, one provider per service as one process each would have); each service's
/metrics exposes the HTTP, consumer lag, outbox, dead-letter and saga series."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaProducer
from e2e_support import api, customer, product_with_stock
from harness import Platform, in_process
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from servicekit import tracing
from servicekit.testing import Infra, eventually

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("sales", "inventory", "finance")
FULFILMENT = "inventory.fulfillment"  # inventory's replies, which sales consumes


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
async def platform(infra: Infra, exporter: InMemorySpanExporter) -> AsyncIterator[Platform]:
    async with in_process(infra, services=SERVICES) as p:
        yield p


def _service(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def _path(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span and its ancestors, root last; fails on a parent that is not in the trace."""
    chain = [span]
    while chain[-1].parent is not None:
        parent = by_id.get(chain[-1].parent.span_id)
        assert parent is not None, f"{chain[-1].name}: its parent is not in the trace"
        chain.append(parent)
    return chain


async def test_one_order_is_one_trace_from_its_request_through_inventory_and_finance(
    platform: Platform, exporter: InMemorySpanExporter
) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 10)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 1, "25.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})

    async def of_order() -> list[ReadableSpan]:
        return [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("platform.correlation_id") == no]

    # The last hop: sales handling finance's credit answer (its span ends once the handler's batch is done).
    def finished(spans: list[ReadableSpan]) -> bool:
        return any(_service(s) == "sales" and "finance" in s.name for s in spans)

    handled = await eventually(of_order, finished, timeout=20)
    [trace_id] = {s.context.trace_id for s in handled}  # every message of the order is in one trace
    trace = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in trace}

    [root] = [s for s in trace if s.parent is None]
    assert (_service(root), root.kind) == ("sales", SpanKind.SERVER)
    assert root.name == "POST /api/v1/orders"

    last = next(s for s in handled if _service(s) == "sales" and "finance" in s.name)
    chain = list(reversed(_path(last, by_id)))
    # Every hop: the request, then per message its publication (PRODUCER, by the sender) and its handling
    # (CONSUMER, by the receiver, a child of that publication).
    hops = [(_service(s), s.kind) for s in chain if s.kind != SpanKind.INTERNAL]
    assert hops[0] == ("sales", SpanKind.SERVER)
    services = [svc for svc, kind in hops if kind == SpanKind.CONSUMER]
    assert services == ["inventory", "sales", "finance", "sales"], hops
    for parent, child in itertools.pairwise(chain):
        if child.kind == SpanKind.CONSUMER:
            assert parent.kind == SpanKind.PRODUCER, (parent.name, child.name)
            assert parent.attributes["messaging.destination.name"] == child.attributes["messaging.destination.name"]
    # The handling spans are linked to the spans of the batches they came in.
    consumer_spans = [s for s in chain if s.kind == SpanKind.CONSUMER]
    batch_ids = {s.context.span_id for s in exporter.get_finished_spans() if s.name.endswith(" consume")}
    assert all(any(link.context.span_id in batch_ids for link in s.links) for s in consumer_spans)


async def _an_order_and_a_dead_letter(platform: Platform) -> str:
    """One order confirmed and one message dead-lettered by sales; sales' /metrics once both show."""
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 5)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 1, "10.00")])
    await a.wait_order(order["order_no"], {"confirmed"})
    # A message that is no envelope, on a topic sales consumes: dead-lettered with its reason.
    producer = AIOKafkaProducer(bootstrap_servers=platform.infra.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(FULFILMENT, b'{"not": "an envelope"}', key=uuid.uuid4().hex.encode())
    finally:
        await producer.stop()

    async def sales_metrics() -> str:
        return (await platform["sales"].get("/metrics")).text

    marker = 'reason="invalid_envelope"'
    return await eventually(sales_metrics, lambda t: marker in t and "platform_dead_letters_total" in t, timeout=20)


async def test_metrics_expose_http_lag_outbox_dead_letters_and_saga_series(platform: Platform) -> None:
    text = await _an_order_and_a_dead_letter(platform)

    async def sales_metrics() -> str:
        return (await platform["sales"].get("/metrics")).text

    expected = [
        'platform_http_requests_total{method="POST",route="/api/v1/orders",service="sales",status="201"}',
        'platform_http_request_seconds_bucket{le="0.5",method="POST",route="/api/v1/orders",service="sales"}',
        "platform_consumer_lag{group=",
        'partition="0",topic="inventory.fulfillment"}',  # per partition of each topic the group reads
        'platform_outbox_depth{service="sales"}',
        'platform_outbox_oldest_unsent_seconds{service="sales"}',
        'platform_saga_steps_total{outcome="confirmed",step="done"}',
        'platform_saga_step_seconds_count{outcome="reserved",step="reserve"}',
        'platform_dead_letters_total{consumer="sales",reason="invalid_envelope",topic="inventory.fulfillment"}',
        'platform_consumer_rebalancing{group="',
    ]
    missing = [series for series in expected if series not in text]
    assert not missing, "\n".join(missing + [line for line in text.splitlines() if line.startswith("platform_")])
    # A path no route matched is one series, not one per path asked for.
    await platform["sales"].get("/api/v1/no/such/path/" + uuid.uuid4().hex)
    text = await sales_metrics()
    assert 'route="unmatched",service="sales",status="404"' in text
    assert "no/such/path" not in text


_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"')
_SUFFIXES = ("_bucket", "_count", "_sum")


def _exposed(text: str) -> tuple[set[str], dict[str, set[str]]]:
    """The metric names a scrape declares or has samples of, and the label names seen per sample name."""
    names: set[str] = set()
    labels: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in _SUFFIXES)
        elif line and not line.startswith("#"):
            name, _, rest = line.partition("{")
            name = name.split()[0]
            names.add(name)
            labels.setdefault(name, set()).update(_MATCHER.findall(rest.rsplit("}", 1)[0]))
    return names, labels


def _expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((ROOT / "deploy/grafana/order-tracking.json").read_text(encoding="utf-8"))
    found = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]
    found += [
        (v["name"], v["query"]["query"]) for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)
    ]
    alerts = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8"))
    found += [(r["alert"], r["expr"]) for g in alerts["groups"] for r in g["rules"]]
    return found


async def test_the_dashboard_and_the_alerts_use_only_series_the_services_expose(platform: Platform) -> None:
    await _an_order_and_a_dead_letter(platform)
    scraped = "\n".join([(await platform[s].get("/metrics")).text for s in SERVICES])
    names, labels = _exposed(scraped)
    expressions = _expressions()
    assert len(expressions) > 20
    wrong = []
    for where, expr in expressions:
        expr = re.sub(r"label_values\((\w+), (\w+)\)", r"\1{\2=\"\"}", expr)  # Grafana's: metric, label
        selectors = _SELECTOR.findall(expr)
        assert selectors, (where, expr)
        bare = re.findall(r"\b(?:platform|process)_\w+\b(?!\{)", _SELECTOR.sub("", expr))
        wrong += [f"{where}: {name} without a selector" for name in bare]
        for name, matchers in selectors:
            if name not in names:
                wrong.append(f"{where}: {name} is not exposed")
                continue
            if name not in labels:  # declared, no sample yet (a counter nothing has counted): its name is enough
                continue
            wrong += [
                f"{where}: {name} has no label {label}"
                for label in _MATCHER.findall(matchers)
                if label not in labels[name]
            ]
    assert not wrong, "\n".join(wrong)

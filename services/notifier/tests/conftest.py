"""Notifier test harness: the service on the real broker and database with a ManualClock, a real SMTP
server (aiosmtpd) and a real HTTP server on loopback standing in for robots, webhooks and the SMS API."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from contracts import Envelope, topic_of
from contracts.envelope import Message
from notifier.config import NotifierRuntime, NotifierSettings
from notifier.consumers import build_handlers
from notifier.db import kit
from notifier.delivery.worker import deliver_due
from notifier.jobs import CASE_SLA, TIME_RULES, case_sla_tick, time_rules_tick
from notifier.main import create_app
from servicekit.clock import ManualClock
from servicekit.scheduler import run_once
from servicekit.testing import Infra, eventually, runtime_of, serve, service_settings

START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- SMTP -------------------------------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class _Collect:
    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: _Collect

    @property
    def mails(self) -> list[Mail]:
        return self.handler.mails


@pytest.fixture
def smtp_server() -> Any:
    handler = _Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


# --- HTTP (robots, webhooks, SMS provider) ----------------------------------------------------------


@dataclass
class Hit:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpServer:
    port: int
    hits: list[Hit] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once they run out.
    script: list[int] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def http_server() -> Any:
    state = HttpServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            state.hits.append(Hit(parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body))
            status = state.script.pop(0) if state.script else 200
            payload = json.dumps(state.reply if status == 200 else {"error": "boom"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- the service -------------------------------------------------------------------------------------


@dataclass
class Notifier:
    client: httpx.AsyncClient
    runtime: NotifierRuntime
    clock: ManualClock
    producer: AIOKafkaProducer

    async def publish(self, message: Message, envelope: Envelope | None = None) -> Envelope:
        env = envelope or Envelope.wrap(message, producer="test")
        await self.producer.send_and_wait(
            topic_of(message).name, value=env.model_dump_json().encode(), key=env.key.encode()
        )
        return env

    async def processed(self, *envelopes: Envelope, timeout: float = 20) -> None:
        ids = [e.event_id for e in envelopes]

        async def count() -> int:
            return await self.scalar(select(func.count()).select_from(kit.inbox).where(kit.inbox.c.message_id.in_(ids)))

        await eventually(count, lambda n: n == len(ids), timeout=timeout)

    async def scalar(self, stmt: Any) -> Any:
        async with self.runtime.db.transaction() as s:
            return await s.scalar(stmt)

    async def rows(self, stmt: Any) -> list[Any]:
        async with self.runtime.db.transaction() as s:
            return list((await s.execute(stmt)).all())

    async def deliver(self) -> int:
        return await deliver_due(self.runtime)

    async def tick(self) -> tuple[bool, bool]:
        return (
            await run_once(self.runtime, TIME_RULES, time_rules_tick),
            await run_once(self.runtime, CASE_SLA, case_sla_tick),
        )


NotifierFactory = Callable[..., contextlib.AbstractAsyncContextManager[Notifier]]


@pytest.fixture
def notifier_factory(infra: Infra, database_url: str) -> NotifierFactory:
    """Start a notifier (several share the database, consumer group and clock: replicas)."""
    shared: dict[str, Any] = {"clock": ManualClock(START)}

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Notifier]:
        if "settings" not in shared:
            topics = build_handlers(NotifierSettings()).topics
            shared["settings"] = await service_settings(
                NotifierSettings,
                infra,
                database_url,
                pin=topics,
                **{
                    "start_scheduler": False,
                    "start_delivery_worker": False,
                    "delivery_backoff_seconds": 30,
                    **overrides,
                },
            )
        settings = shared["settings"]
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            async with serve(create_app(settings, clock=shared["clock"])) as client:
                yield Notifier(client, runtime_of(client), shared["clock"], producer)
        finally:
            await producer.stop()

    return start


def uid() -> str:
    return uuid.uuid4().hex[:8]


# --- messages the other services publish -----------------------------------------------------------


class Make:
    """Valid contract messages with unique document numbers."""

    start = START

    @staticmethod
    def seq() -> int:
        return int(uuid.uuid4().int % 10**9)

    def po_no(self) -> str:
        return f"PO-2026-{self.seq():09d}"

    def anomaly(self, po_no: str, anomaly_type: str = "short_receipt", supplier: str = "SUP-1", **over: Any) -> Any:
        from decimal import Decimal

        from contracts.purchasing import AnomalyLine, PurchaseAnomalyRaised

        values: dict[str, Any] = {
            "anomaly_id": uuid.uuid4(),
            "po_no": po_no,
            "supplier_code": supplier,
            "anomaly_type": anomaly_type,
            "severity": "warning",
            "details": "received 8 of 10",
            "grn_no": f"GRN-2026-{self.seq():09d}",
            "lines": [AnomalyLine(line_no=1, sku="SKU-1", expected=Decimal("10"), actual=Decimal("8"))],
            "detected_at": START,
        }
        return PurchaseAnomalyRaised(**(values | over))

    def po_sent(self, po_no: str, expected: str, supplier: str = "SUP-1") -> Any:
        from datetime import date
        from decimal import Decimal

        from contracts.common import Amounts
        from contracts.purchasing import PurchaseOrderLine, PurchaseOrderSent

        return PurchaseOrderSent(
            po_no=po_no,
            supplier_code=supplier,
            warehouse_code="WH1",
            lines=[PurchaseOrderLine(line_no=1, sku="SKU-1", qty=Decimal("10"), unit_price=Decimal("5.00"))],
            totals=Amounts(net=Decimal("50.00"), tax=Decimal("0.00"), gross=Decimal("50.00")),
            expected_date=date.fromisoformat(expected),
            payment_terms_days=30,
            sent_at=START,
        )

    def invoice(self, customer: str, due: str) -> Any:
        from datetime import date
        from decimal import Decimal

        from contracts.common import Amounts
        from contracts.finance import InvoiceIssued, InvoiceLine

        n = self.seq()
        return InvoiceIssued(
            invoice_no=f"INV-2026-{n:09d}",
            order_no=f"SO-2026-{n:09d}",
            do_no=f"DO-2026-{n:09d}",
            customer_code=customer,
            lines=[
                InvoiceLine(
                    line_no=1,
                    sku="SKU-1",
                    qty=Decimal("1"),
                    unit_price=Decimal("100.00"),
                    discount=Decimal("0"),
                    tax_rate=Decimal("0.13"),
                    net=Decimal("100.00"),
                    tax=Decimal("13.00"),
                )
            ],
            totals=Amounts(net=Decimal("100.00"), tax=Decimal("13.00"), gross=Decimal("113.00")),
            issue_date=date(2026, 3, 1),
            due_date=date.fromisoformat(due),
            issued_at=START,
        )

    def customer(self, code: str, email: str) -> Any:
        from decimal import Decimal

        from contracts.sales import CustomerUpserted

        return CustomerUpserted(
            customer_code=code,
            name=f"客户 {code}",
            email=email,
            credit_limit=Decimal("10000.00"),
            payment_terms_days=30,
            updated_at=START,
        )


@pytest.fixture
def make() -> Make:
    return Make()


def uid_() -> str:
    return uuid.uuid4().hex[:8]

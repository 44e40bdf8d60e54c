"""The sales test harness: places orders through the API, plays inventory and finance by publishing their
replies as real envelopes on Kafka, and reads what sales published (commands and order events)."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from contracts import Envelope, Message, model_of, topic_of
from contracts.common import ReservedLine
from contracts.finance import CreditApproved
from contracts.inventory import StockReserved
from sales.config import SalesRuntime
from sales.db import kit
from sales.saga.timeouts import JOB, tick
from servicekit.clock import ManualClock
from servicekit.scheduler import run_once
from servicekit.testing import TopicTail, auth, eventually, runtime_of

D = Decimal
COMMAND_TOPICS = ("inventory.commands", "finance.commands", "sales.orders")
SELLER = auth("sales", sub="seller.wang")
ADMIN = auth("admin", sub="ops")


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def doc(prefix: str) -> str:
    return f"{prefix}-2026-{random.randrange(10**9, 10**10)}"


def now() -> datetime:
    return datetime.now(UTC)


def order_body(customer: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_code": customer,
        "channel": "web",
        "lines": [
            {"sku": "SKU-A", "qty": "2", "unit_price": "100.00", "discount": "0.1", "tax_rate": "0.13"},
            {"sku": "SKU-B", "qty": "1.5", "unit_price": "33.33", "tax_rate": "0.13"},
        ],
    }
    return {**body, **over}


def reserved(order: dict[str, Any]) -> StockReserved:
    """Inventory's reply: every line reserved in WH1."""
    lines = [
        ReservedLine(line_no=x["line_no"], sku=x["sku"], warehouse_code="WH1", qty=D(x["qty"])) for x in order["lines"]
    ]
    return StockReserved(order_no=order["order_no"], lines=lines, reserved_at=now())


def approved(order: dict[str, Any], revision: int = 1) -> CreditApproved:
    """Finance's reply: the order's gross approved."""
    gross = D(order["totals"]["gross"])
    return CreditApproved(
        order_no=order["order_no"],
        revision=revision,
        customer_code=order["customer_code"],
        amount=gross,
        credit_limit=D("50000.00"),
        exposure=gross,
        approved_at=now(),
    )


class Harness:
    def __init__(
        self, client: httpx.AsyncClient, producer: AIOKafkaProducer, clock: ManualClock, tail: TopicTail
    ) -> None:
        self.client = client
        self.producer = producer
        self.clock = clock
        self.tail = tail
        self.runtime: SalesRuntime = runtime_of(client)

    # --- API -----------------------------------------------------------------------------------------
    async def customer(self, **over: Any) -> str:
        code = uid("CUST")
        body = {"code": code, "name": "华东贸易有限公司", "credit_limit": "50000.00", "payment_terms_days": 30, **over}
        r = await self.client.post("/api/v1/customers", json=body, headers=auth("sales_manager"))
        assert r.status_code == 201, r.text
        return code

    async def place(self, customer: str, expect: int = 201, **over: Any) -> dict[str, Any]:
        r = await self.client.post("/api/v1/orders", json=order_body(customer, **over), headers=SELLER)
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def detail(self, order_no: str) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/orders/{order_no}", headers=auth("auditor"))
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def status_is(self, order_no: str, status: str, timeout: float = 20) -> dict[str, Any]:
        return await eventually(lambda: self.detail(order_no), lambda d: d["status"] == status, timeout)

    async def processed(self, env: Envelope) -> None:
        """Wait until sales has consumed this record (its inbox holds the event id)."""

        async def seen() -> bool:
            async with self.runtime.db.transaction() as s:
                query = select(kit.inbox.c.message_id).where(kit.inbox.c.message_id == env.event_id)
                return await s.scalar(query) is not None

        await eventually(seen, bool)

    async def deadlines(self) -> None:
        assert await run_once(self.runtime, JOB, tick)

    # --- Kafka ---------------------------------------------------------------------------------------
    async def send(self, message: Message, producer: str = "inventory", envelope: Envelope | None = None) -> Envelope:
        env = envelope or Envelope.wrap(message, producer=producer)
        await self.producer.send_and_wait(
            topic_of(message).name, value=env.model_dump_json().encode(), key=env.key.encode()
        )
        return env

    async def redeliver(self, env: Envelope) -> None:
        """The same record again (same event id), as a broker redelivery or a producer retry would."""
        topic = topic_of(model_of(env.type, env.version)).name
        await self.producer.send_and_wait(topic, value=env.model_dump_json().encode(), key=env.key.encode())

    def published(self, order_no: str, message_type: str | None = None) -> list[dict[str, Any]]:
        found = []
        for record in self.tail.records:
            if record.key != order_no.encode():
                continue
            env = json.loads(record.value)
            if message_type is None or env["type"] == message_type:
                found.append(env)
        return found

    async def wait_published(
        self, order_no: str, message_type: str, count: int = 1, timeout: float = 20
    ) -> list[dict[str, Any]]:
        await self.tail.wait_for(lambda _: len(self.published(order_no, message_type)) >= count, timeout)
        return [e["payload"] for e in self.published(order_no, message_type)]

    async def types_published(self, order_no: str) -> list[str]:
        await self.tail.fetch()
        return [e["type"] for e in self.published(order_no)]

    # --- playing inventory and finance ---------------------------------------------------------------
    async def reserve_ok(self, order: dict[str, Any]) -> Envelope:
        return await self.send(reserved(order))

    async def credit_ok(self, order: dict[str, Any], revision: int = 1) -> Envelope:
        return await self.send(approved(order, revision), producer="finance")

    async def confirmed(self, customer: str, **over: Any) -> dict[str, Any]:
        order = await self.place(customer, **over)
        await self.wait_published(order["order_no"], "ReserveStock")
        await self.reserve_ok(order)
        await self.wait_published(order["order_no"], "CheckCredit")
        await self.credit_ok(order)
        await self.status_is(order["order_no"], "confirmed")
        return order

"""Helpers of the inventory tests (imported by the test modules; conftest.py puts this folder on the path)."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer, ConsumerRecord

from contracts import Envelope, Message, topic_of
from inventory.config import InventoryRuntime
from servicekit.testing import Infra, auth, token

WH = auth("warehouse", sub="wang.wh")


def order_no() -> str:
    return f"SO-2026-{random.randrange(10**11, 10**12)}"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def now() -> datetime:
    return datetime.now(UTC)


def payloads(records: list[ConsumerRecord[Any, Any]], key: str, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes (as dicts) of the records with this key (and type)."""
    found = []
    for r in records:
        if r.key != key.encode():
            continue
        env = json.loads(r.value)
        if type_ is None or env["type"] == type_:
            found.append(env)
    return found


@dataclass
class Inventory:
    """The running service and helpers to seed it and talk to it."""

    infra: Infra
    client: httpx.AsyncClient
    runtime: InventoryRuntime
    producer: AIOKafkaProducer

    async def product(self, sku: str, barcodes: list[str] | None = None, reorder_point: str = "0") -> None:
        body = {"sku": sku, "name": f"Product {sku}", "barcodes": barcodes or [], "reorder_point": reorder_point}
        r = await self.client.post("/api/v1/products", json=body, headers=WH)
        assert r.status_code == 201, r.text

    async def warehouse(self, code: str) -> None:
        r = await self.client.post("/api/v1/warehouses", json={"code": code, "name": code}, headers=WH)
        assert r.status_code == 201, r.text

    async def opening(self, sku: str, wh: str, qty: str | int, cost: str = "10") -> None:
        body = {"sku": sku, "warehouse_code": wh, "qty": str(qty), "unit_cost": cost}
        r = await self.client.post("/api/v1/stock/opening", json=body, headers=WH)
        assert r.status_code == 201, r.text

    async def adjust(self, sku: str, wh: str, delta: str | int, reason_code: str = "correction") -> httpx.Response:
        body = {"sku": sku, "warehouse_code": wh, "qty_delta": str(delta), "reason_code": reason_code, "reason": "test"}
        return await self.client.post("/api/v1/stock/adjustments", json=body, headers=WH)

    async def stock(self, sku: str, wh: str) -> dict[str, Decimal]:
        r = await self.client.get("/api/v1/stock", params={"sku": sku, "warehouse_code": wh}, headers=WH)
        assert r.status_code == 200, r.text
        rows = r.json()
        if not rows:
            return {"on_hand": Decimal(0), "reserved": Decimal(0), "available": Decimal(0)}
        return {k: Decimal(rows[0][k]) for k in ("on_hand", "reserved", "available")}

    async def ledger_sum(self, sku: str, wh: str) -> Decimal:
        r = await self.client.get(f"/api/v1/stock/{sku}/ledger", params={"warehouse_code": wh}, headers=WH)
        assert r.status_code == 200, r.text
        return sum((Decimal(m["qty_delta"]) for m in r.json()["movements"]), Decimal(0))

    async def send(self, message: Message, env: Envelope | None = None) -> Envelope:
        env = env or Envelope.wrap(message, producer="sales")
        await self.producer.send_and_wait(topic_of(message).name, env.model_dump_json().encode(), key=env.key.encode())
        return env

    async def seed(self, wh: str, stock: dict[str, int], **product: Any) -> None:
        await self.warehouse(wh)
        for sku, qty in stock.items():
            await self.product(sku, **product)
            if qty:
                await self.opening(sku, wh, qty)


def bearer(*roles: str, sub: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, sub=sub)}"}


def order_confirmed(order: str, lines: list[tuple[str, int]], revision: int = 1) -> Any:
    from contracts.common import Amounts, OrderLine
    from contracts.sales import OrderConfirmed

    order_lines = [
        OrderLine(line_no=i, sku=sku, qty=Decimal(q), unit_price=Decimal("20.00"))
        for i, (sku, q) in enumerate(lines, 1)
    ]
    net = sum((Decimal(q) * Decimal("20.00") for _, q in lines), Decimal("0"))
    return OrderConfirmed(
        order_no=order,
        revision=revision,
        customer_code="CUST-1",
        channel="web",
        lines=order_lines,
        totals=Amounts(net=net, tax=Decimal("0"), gross=net),
        payment_terms_days=30,
        confirmed_at=now(),
    )


def reserve_cmd(order: str, *lines: tuple[str, int], **kw: Any) -> Any:
    from contracts.common import StockLine
    from contracts.sales import ReserveStock

    stock_lines = [StockLine(line_no=i, sku=sku, qty=Decimal(q)) for i, (sku, q) in enumerate(lines, start=1)]
    return ReserveStock(order_no=order, lines=stock_lines, placed_at=kw.pop("placed_at", now()), **kw)

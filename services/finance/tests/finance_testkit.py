"""The finance test harness: publishes real envelopes to Kafka the way the other services would, and reads
the finance database. Tests use unique ids, so one running service is shared by all of them."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from contracts.common import OrderLine
from contracts.inventory import ShipmentDispatched, ShippedLine
from contracts.sales import CustomerUpserted, OrderConfirmed
from servicekit.testing import ServiceHarness, auth

D = Decimal


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def doc(prefix: str) -> str:
    return f"{prefix}-2026-{random.randrange(10**9, 10**10)}"


class Harness(ServiceHarness):
    async def customer(self, limit: str = "10000.00", terms: int = 30, code: str | None = None) -> str:
        code = code or uid("C")
        await self.send(
            CustomerUpserted(
                customer_code=code,
                name=f"Customer {code}",
                credit_limit=D(limit),
                payment_terms_days=terms,
                updated_at=datetime.now(UTC),
            )
        )
        await self.until("SELECT count(*) FROM credit_accounts WHERE customer_code = :c", c=code)
        return code

    async def confirm(self, customer: str, lines: list[OrderLine], terms: int = 30) -> str:
        order_no = doc("SO")
        net = sum((line.qty * line.unit_price * (1 - line.discount) for line in lines), D(0)).quantize(D("0.01"))
        await self.send(
            OrderConfirmed(
                order_no=order_no,
                customer_code=customer,
                channel="web",
                lines=lines,
                totals={"net": net, "tax": D("0"), "gross": net},  # only informative for finance
                payment_terms_days=terms,
                confirmed_at=datetime.now(UTC),
            )
        )
        await self.until("SELECT count(*) FROM sales_orders WHERE order_no = :o", o=order_no)
        return order_no

    def shipment(
        self, order_no: str, lines: list[tuple[int, str, str, str]], shipped_at: datetime | None = None
    ) -> ShipmentDispatched:
        return ShipmentDispatched(
            do_no=doc("DO"),
            order_no=order_no,
            warehouse_code="WH1",
            carrier="SF",
            lines=[ShippedLine(line_no=n, sku=sku, qty=D(q), unit_cost=D(cost)) for n, sku, q, cost in lines],
            shipped_at=shipped_at or datetime(2026, 3, 1, 10, tzinfo=UTC),
        )

    async def ship(self, shipment: ShipmentDispatched) -> Any:
        await self.send(shipment)
        await self.until("SELECT count(*) FROM invoices WHERE do_no = :d", d=shipment.do_no)
        return (await self.rows("SELECT * FROM invoices WHERE do_no = :d", d=shipment.do_no))[0]


def line(n: int, sku: str, qty: str, price: str, discount: str = "0", tax: str = "0.13") -> OrderLine:
    return OrderLine(line_no=n, sku=sku, qty=D(qty), unit_price=D(price), discount=D(discount), tax_rate=D(tax))


AR_TOPICS = ("finance.receivables", "finance.customer-payments")


def events(records: list, kind: str, **match: str) -> list[dict]:  # type: ignore[type-arg]
    out = [json.loads(r.value) for r in records]
    return [e for e in out if e["type"] == kind and all(e["payload"].get(k) == v for k, v in match.items())]


async def pay(finance: Harness, customer: str, amount: str, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"customer_code": customer, "amount": amount, "received_on": "2026-03-20", **extra}
    r = await finance.client.post("/api/v1/payments", json=body, headers=auth("finance", sub="cashier"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]

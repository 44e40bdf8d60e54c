"""A scripted event history (one run's unique codes and document numbers) and the service started on it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal as Dec
from typing import Any

from aiokafka import AIOKafkaProducer

from analytics.config import AnalyticsSettings
from analytics.consumers import build_handlers
from analytics.main import create_app
from contracts import Envelope, Message, topic_of
from contracts.common import Amounts, OrderLine
from contracts.finance import BillCreated, BillLine, InvoiceIssued, InvoiceLine, OrderSettled, PaymentAllocated
from contracts.inventory import (
    GoodsReceived,
    ProductUpserted,
    ReceiptLine,
    ShipmentDispatched,
    ShippedLine,
    StockAdjusted,
)
from contracts.purchasing import PurchaseOrderLine, PurchaseOrderSent, SupplierUpserted
from contracts.sales import CustomerUpserted, OrderCancelled, OrderConfirmed, OrderPlaced, OrderStatusChanged
from servicekit.clock import ManualClock
from servicekit.testing import Infra, ServiceHarness, create_database, drop_database, serve, service_settings

# 2026-04-10 12:00 in Shanghai.
NOW = datetime(2026, 4, 10, 4, 0, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def n() -> int:
    return uuid.uuid4().int % 10**9


@dataclass
class Story:
    """Two skus of one category, one supplier, one customer; two purchase orders, three sales orders (one
    cancelled). The expected figures the tests check are worked out by hand in their docstrings."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def __post_init__(self) -> None:
        r = self.run
        self.sku_a, self.sku_b, self.category = f"A-{r}", f"B-{r}", f"Cat-{r}"
        self.supplier, self.customer, self.wh = f"SUP-{r}", f"C-{r}", f"WH-{r}"
        self.po1, self.po2 = f"PO-2026-{n():09d}", f"PO-2026-{n():09d}"
        self.grn1, self.grn2 = f"GRN-2026-{n():09d}", f"GRN-2026-{n():09d}"
        self.so1, self.so2, self.so3 = (f"SO-2026-{n():09d}" for _ in range(3))
        self.do1, self.do2 = f"DO-2026-{n():09d}", f"DO-2026-{n():09d}"
        self.inv1, self.inv2 = f"INV-2026-{n():09d}", f"INV-2026-{n():09d}"
        self.bill1, self.pay1 = f"BILL-2026-{n():09d}", f"PAY-2026-{n():09d}"

    # --- master data ---
    def master(self) -> list[Message]:
        at = utc("2026-01-01T00:00:00")
        return [
            ProductUpserted(
                sku=s,
                name=f"产品 {s}",
                unit="pcs",
                category=self.category,
                reorder_point=Dec(0),
                reorder_qty=Dec(0),
                updated_at=at,
            )
            for s in (self.sku_a, self.sku_b)
        ] + [
            SupplierUpserted(
                supplier_code=self.supplier, name="供应商", payment_terms_days=30, score=Dec("95"), updated_at=at
            ),
            CustomerUpserted(
                customer_code=self.customer,
                name="客户",
                credit_limit=Dec("10000.00"),
                payment_terms_days=10,
                updated_at=at,
            ),
        ]

    # --- purchasing ---
    def po(self, po_no: str, sent: str, qty: str, price: str, expected: str) -> PurchaseOrderSent:
        net = (Dec(qty) * Dec(price)).quantize(Dec("0.01"))
        return PurchaseOrderSent(
            po_no=po_no,
            supplier_code=self.supplier,
            warehouse_code=self.wh,
            lines=[PurchaseOrderLine(line_no=1, sku=self.sku_a, qty=Dec(qty), unit_price=Dec(price))],
            totals=Amounts(net=net, tax=Dec("0.00"), gross=net),
            expected_date=date.fromisoformat(expected),
            payment_terms_days=30,
            sent_at=utc(sent),
        )

    def grn(self, grn_no: str, po_no: str, at: str, received: str, rejected: str, cost: str, avg: str) -> GoodsReceived:
        line = ReceiptLine(
            line_no=1,
            po_line_no=1,
            sku=self.sku_a,
            qty_received=Dec(received),
            qty_accepted=Dec(received) - Dec(rejected),
            qty_rejected=Dec(rejected),
            unit_cost=Dec(cost),
            avg_cost_after=Dec(avg),
        )
        return GoodsReceived(
            grn_no=grn_no,
            po_no=po_no,
            supplier_code=self.supplier,
            warehouse_code=self.wh,
            lines=[line],
            received_by="wh.wang",
            received_at=utc(at),
        )

    def bill(self) -> BillCreated:
        return BillCreated(
            bill_no=self.bill1,
            supplier_code=self.supplier,
            po_no=self.po1,
            grn_no=self.grn1,
            lines=[
                BillLine(
                    line_no=1,
                    po_line_no=1,
                    sku=self.sku_a,
                    qty=Dec("98"),
                    unit_price=Dec("10.50"),
                    tax_rate=Dec(0),
                    net=Dec("1029.00"),
                )
            ],
            totals=Amounts(net=Dec("1029.00"), tax=Dec("0.00"), gross=Dec("1029.00")),
            status="open",
            bill_date=date(2026, 2, 11),
            due_date=date(2026, 3, 13),
            created_at=utc("2026-02-11T02:00:00"),
        )

    # --- sales ---
    def placed(self, so: str, at: str, channel: Any, qty: str, price: str) -> OrderPlaced:
        net = (Dec(qty) * Dec(price)).quantize(Dec("0.01"))
        tax = (net * Dec("0.13")).quantize(Dec("0.01"))
        return OrderPlaced(
            order_no=so,
            customer_code=self.customer,
            channel=channel,
            lines=[OrderLine(line_no=1, sku=self.sku_a, qty=Dec(qty), unit_price=Dec(price), tax_rate=Dec("0.13"))],
            totals=Amounts(net=net, tax=tax, gross=net + tax),
            placed_at=utc(at),
        )

    def confirmed(self, placed: OrderPlaced, at: str) -> OrderConfirmed:
        return OrderConfirmed(
            order_no=placed.order_no,
            customer_code=self.customer,
            channel=placed.channel,
            lines=placed.lines,
            totals=placed.totals,
            payment_terms_days=10,
            confirmed_at=utc(at),
        )

    def status(self, so: str, before: Any, to: Any, at: str) -> OrderStatusChanged:
        return OrderStatusChanged(
            order_no=so, customer_code=self.customer, from_status=before, to_status=to, at=utc(at)
        )

    def shipped(self, so: str, do: str, at: str, qty: str, cost: str) -> ShipmentDispatched:
        return ShipmentDispatched(
            do_no=do,
            order_no=so,
            warehouse_code=self.wh,
            carrier="SF",
            lines=[ShippedLine(line_no=1, sku=self.sku_a, qty=Dec(qty), unit_cost=Dec(cost))],
            shipped_at=utc(at),
        )

    def invoice(self, inv: str, so: str, do: str, qty: str, price: str, issue: str, due: str) -> InvoiceIssued:
        net = (Dec(qty) * Dec(price)).quantize(Dec("0.01"))
        tax = (net * Dec("0.13")).quantize(Dec("0.01"))
        return InvoiceIssued(
            invoice_no=inv,
            order_no=so,
            do_no=do,
            customer_code=self.customer,
            lines=[
                InvoiceLine(
                    line_no=1,
                    sku=self.sku_a,
                    qty=Dec(qty),
                    unit_price=Dec(price),
                    discount=Dec(0),
                    tax_rate=Dec("0.13"),
                    net=net,
                    tax=tax,
                )
            ],
            totals=Amounts(net=net, tax=tax, gross=net + tax),
            issue_date=date.fromisoformat(issue),
            due_date=date.fromisoformat(due),
            issued_at=utc(issue + "T03:00:00"),
        )

    def history(self) -> tuple[list[Message], Message]:
        """Every event in publication order but one: GRN-1, the late event, returned apart (published last)."""
        so1 = self.placed(self.so1, "2026-02-15T01:00:00", "web", "30", "20.00")
        so2 = self.placed(self.so2, "2026-03-10T02:00:00", "wechat", "20", "25.00")
        so3 = self.placed(self.so3, "2026-03-12T02:00:00", "web", "5", "20.00")
        events: list[Message] = [
            *self.master(),
            StockAdjusted(
                sku=self.sku_b,
                warehouse_code=self.wh,
                qty_delta=Dec("10"),
                on_hand_after=Dec("10"),
                reason_code="opening_balance",
                unit_cost=Dec("5.0000"),
                adjusted_at=utc("2026-01-05T02:00:00"),
            ),
            self.po(self.po1, "2026-02-01T02:00:00", "100", "10.00", "2026-02-10"),
            self.bill(),
            so1,
            self.confirmed(so1, "2026-02-15T01:30:00"),
            self.shipped(self.so1, self.do1, "2026-02-15T05:00:00", "30", "10.0000"),
            # out of order: delivered is published before shipped
            self.status(self.so1, "shipped", "delivered", "2026-02-16T05:00:00"),
            self.status(self.so1, "confirmed", "shipped", "2026-02-15T05:00:00"),
            self.invoice(self.inv1, self.so1, self.do1, "30", "20.00", "2026-02-15", "2026-02-25"),
            PaymentAllocated(
                order_no=self.so1,
                payment_no=self.pay1,
                invoice_no=self.inv1,
                customer_code=self.customer,
                amount=Dec("678.00"),
                invoice_outstanding=Dec("0.00"),
                invoice_status="paid",
                allocated_at=utc("2026-03-01T05:00:00"),
            ),
            OrderSettled(
                order_no=self.so1,
                customer_code=self.customer,
                invoiced=Dec("678.00"),
                paid=Dec("678.00"),
                settled_at=utc("2026-03-01T05:00:00"),
            ),
            self.po(self.po2, "2026-03-01T02:00:00", "50", "12.00", "2026-03-05"),
            # out of order: the shipment at the new average cost before the receipt that made it
            self.shipped(self.so2, self.do2, "2026-03-11T02:00:00", "20", "10.7407"),
            self.grn(self.grn2, self.po2, "2026-03-07T02:00:00", "40", "0", "12.0000", "10.7407"),
            so2,
            self.confirmed(so2, "2026-03-10T04:00:00"),
            self.status(self.so2, "confirmed", "shipped", "2026-03-11T02:00:00"),
            self.invoice(self.inv2, self.so2, self.do2, "20", "25.00", "2026-03-11", "2026-03-21"),
            so3,
            OrderCancelled(
                order_no=self.so3,
                customer_code=self.customer,
                previous_status="confirmed",
                reason="客户取消",
                cancelled_at=utc("2026-03-12T03:00:00"),
            ),
        ]
        # late: received (Shanghai) 2026-02-10 00:30, published after everything that followed it
        late = self.grn(self.grn1, self.po1, "2026-02-09T16:30:00", "100", "2", "10.0000", "10.0000")
        return events, late


class Analytics(ServiceHarness):
    async def get(self, path: str, role: str = "admin", **params: Any) -> Any:
        r = await self.client.get(f"/api/v1/reports/{path}", params=params, headers=_auth(role))
        assert r.status_code == 200, r.text
        return r.json() if "json" in r.headers["content-type"] else r.text

    async def processed(self, envelopes: list[Envelope], timeout: float = 60) -> None:
        ids = [str(e.event_id) for e in envelopes]
        await self.until(
            "SELECT count(*) FROM inbox WHERE CAST(message_id AS text) = ANY(:ids)",
            lambda c: c == len(set(ids)),
            timeout=timeout,
            ids=ids,
        )


def _auth(role: str) -> dict[str, str]:
    from servicekit.testing import auth

    return auth(role)


async def publish(producer: AIOKafkaProducer, message: Message, envelope: Envelope | None = None) -> Envelope:
    env = envelope or Envelope.wrap(message, producer=topic_of(message).producer)
    await producer.send_and_wait(topic_of(message).name, value=env.model_dump_json().encode(), key=env.key.encode())
    return env


@contextlib.asynccontextmanager
async def analytics_service(
    infra: Infra, *, from_beginning: bool = False, **overrides: Any
) -> AsyncIterator[Analytics]:
    """The service on a fresh database. Its consumer group reads what is published from now on, or (a rebuild)
    every topic from the beginning."""
    url = await create_database(infra, prefix="ana")
    topics = None if from_beginning else build_handlers(AnalyticsSettings()).topics
    settings = await service_settings(
        AnalyticsSettings,
        infra,
        url,
        pin=topics,
        start_score_publisher=False,
        start_snapshot_refresher=False,
        **overrides,
    )
    clock = ManualClock(NOW)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with serve(create_app(settings, clock=clock)) as client:
            yield Analytics(client, producer, clock)
    finally:
        await producer.stop()
        await drop_database(infra, url)

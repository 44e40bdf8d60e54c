"""Benchmark of the analytics read model: the events of N order lines over 12 months (orders, confirmations,
shipments, deliveries, invoices, payments, settlements, and the purchase orders, receipts and bills that keep the
stock), published first; then the service starts on an empty database and catches up. Prints the catch-up rate
(events/s, from the service's start to the last event's inbox record), the snapshot, monthly totals, customer
credit and order cycle refreshes (what the snapshot job does), and each report's response time for the 12 months
(p50/p95 over `--repeat` calls). Runs on the tests' Kafka and PostgreSQL.

    .venv/bin/python -m tools.bench_analytics --lines 1000000      (the issue's size; --lines 30000 on a busy box)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as Dec

import uvloop
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from analytics.config import AnalyticsSettings
from analytics.consumers import build_handlers
from analytics.handlers import customers, monthly, order_cycle
from analytics.handlers.snapshots import refresh
from analytics.main import create_app
from contracts import Envelope, Message, topic_of
from contracts.common import Amounts, OrderLine
from contracts.finance import BillCreated, BillLine, InvoiceIssued, InvoiceLine, OrderSettled, PaymentAllocated
from contracts.inventory import GoodsReceived, ProductUpserted, ReceiptLine, ShipmentDispatched, ShippedLine
from contracts.purchasing import PurchaseOrderLine, PurchaseOrderSent, SupplierUpserted
from contracts.sales import CustomerUpserted, OrderConfirmed, OrderPlaced, OrderStatusChanged
from servicekit.clock import ManualClock
from servicekit.testing import auth, create_database, discover_infra, drop_database, runtime_of, serve, service_settings

START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)
SKUS, WAREHOUSES, CUSTOMERS, SUPPLIERS = 200, 2, 100, 10
CHANNELS = ("web", "email", "wechat", "app", "phone", "api")
REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("purchase-vs-sales", {}),
    ("movers", {"by": "revenue"}),
    ("turnover", {"group": "sku"}),
    ("supplier-scorecard", {}),
    ("customer-credit", {}),
    ("order-cycle", {}),
)
TWO = Dec("0.01")


def money(x: Dec) -> Dec:
    return x.quantize(TWO)


class History:
    """Deterministic events; document numbers carry a run tag so runs never collide."""

    def __init__(self, lines: int, seed: int = 7) -> None:
        self.lines, self.rng, self.tag = lines, random.Random(seed), random.randint(1, 9)
        self.seq = 0

    def no(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-2025-{self.tag}{self.seq:010d}"

    def master(self) -> Iterator[Message]:
        for i in range(SKUS):
            yield ProductUpserted(sku=f"B-{i}", name=f"p{i}", unit="pcs", category=f"cat{i % 8}", reorder_point=Dec(0),
                                  reorder_qty=Dec(0), updated_at=START)  # fmt: skip
        for i in range(SUPPLIERS):
            yield SupplierUpserted(supplier_code=f"BS-{i}", name=f"s{i}", payment_terms_days=30, score=Dec(80),
                                   updated_at=START)  # fmt: skip
        for i in range(CUSTOMERS):
            yield CustomerUpserted(customer_code=f"BC-{i}", name=f"c{i}", credit_limit=Dec("1000000"),
                                   payment_terms_days=30, updated_at=START)  # fmt: skip

    def purchases(self, month: int) -> Iterator[Message]:
        """Each month, per sku, a PO sent on the 1st, received (most of it) around the 5th, billed."""
        sent = START + timedelta(days=30 * month)
        per_sku = max(10, self.lines * 3 // SKUS // 12)
        for i in range(SKUS):
            sku, supplier, wh = f"B-{i}", f"BS-{i % SUPPLIERS}", f"BW-{i % WAREHOUSES}"
            price = money(Dec(10 + i % 50) * (1 + Dec(month % 3) / 20))
            po, grn, bill = self.no("PO"), self.no("GRN"), self.no("BILL")
            qty = Dec(per_sku)
            received = qty - (1 if i % 7 == 0 else 0)
            at = sent + timedelta(days=3 + i % 4, hours=2)
            net = money(qty * price)
            yield PurchaseOrderSent(po_no=po, supplier_code=supplier, warehouse_code=wh,
                                    lines=[PurchaseOrderLine(line_no=1, sku=sku, qty=qty, unit_price=price)],
                                    totals=Amounts(net=net, tax=Dec("0.00"), gross=net),
                                    expected_date=(sent + timedelta(days=5)).date(), payment_terms_days=30,
                                    sent_at=sent)  # fmt: skip
            yield GoodsReceived(grn_no=grn, po_no=po, supplier_code=supplier, warehouse_code=wh,
                                lines=[ReceiptLine(line_no=1, po_line_no=1, sku=sku, qty_received=received,
                                                   qty_accepted=received, qty_rejected=Dec(0), unit_cost=price,
                                                   avg_cost_after=price)],
                                received_by="bench", received_at=at)  # fmt: skip
            bnet = money(received * price)
            yield BillCreated(bill_no=bill, supplier_code=supplier, po_no=po, grn_no=grn,
                              lines=[BillLine(line_no=1, po_line_no=1, sku=sku, qty=received, unit_price=price,
                                              tax_rate=Dec(0), net=bnet)],
                              totals=Amounts(net=bnet, tax=Dec("0.00"), gross=bnet), status="open",
                              bill_date=at.date(), due_date=at.date() + timedelta(days=30), created_at=at)  # fmt: skip

    def order(self, placed: datetime) -> Iterator[Message]:
        r = self.rng
        so, do, inv, pay = self.no("SO"), self.no("DO"), self.no("INV"), self.no("PAY")
        customer, channel = f"BC-{r.randrange(CUSTOMERS)}", r.choice(CHANNELS)
        n_lines = r.randint(1, 5)
        skus = r.sample(range(SKUS), n_lines)
        lines = [OrderLine(line_no=k + 1, sku=f"B-{s}", qty=Dec(r.randint(1, 5)), unit_price=Dec(20 + s % 60),
                           tax_rate=Dec("0.13")) for k, s in enumerate(skus)]  # fmt: skip
        nets = [money(ln.qty * ln.unit_price) for ln in lines]
        taxes = [money(x * Dec("0.13")) for x in nets]
        totals = Amounts(net=sum(nets, Dec(0)), tax=sum(taxes, Dec(0)), gross=sum(nets, Dec(0)) + sum(taxes, Dec(0)))
        confirmed = placed + timedelta(minutes=r.randint(1, 90))
        shipped = confirmed + timedelta(hours=r.randint(1, 30))
        delivered = shipped + timedelta(hours=r.randint(12, 96))
        paid = delivered + timedelta(days=r.randint(1, 40))
        wh = f"BW-{skus[0] % WAREHOUSES}"
        yield OrderPlaced(order_no=so, customer_code=customer, channel=channel, lines=lines, totals=totals,
                          placed_at=placed)  # fmt: skip
        yield OrderConfirmed(order_no=so, customer_code=customer, channel=channel, lines=lines, totals=totals,
                             payment_terms_days=30, confirmed_at=confirmed)  # fmt: skip
        yield ShipmentDispatched(do_no=do, order_no=so, warehouse_code=wh, carrier="SF",
                                 lines=[ShippedLine(line_no=ln.line_no, sku=ln.sku, qty=ln.qty,
                                                    unit_cost=Dec(10 + int(ln.sku[2:]) % 50)) for ln in lines],
                                 shipped_at=shipped)  # fmt: skip
        yield OrderStatusChanged(order_no=so, customer_code=customer, from_status="confirmed", to_status="shipped",
                                 at=shipped)  # fmt: skip
        yield InvoiceIssued(invoice_no=inv, order_no=so, do_no=do, customer_code=customer,
                            lines=[InvoiceLine(line_no=ln.line_no, sku=ln.sku, qty=ln.qty, unit_price=ln.unit_price,
                                               discount=Dec(0), tax_rate=ln.tax_rate, net=n, tax=t)
                                   for ln, n, t in zip(lines, nets, taxes, strict=True)],
                            totals=totals, issue_date=shipped.date(), due_date=shipped.date() + timedelta(days=30),
                            issued_at=shipped)  # fmt: skip
        yield OrderStatusChanged(order_no=so, customer_code=customer, from_status="shipped", to_status="delivered",
                                 at=delivered)  # fmt: skip
        yield PaymentAllocated(order_no=so, payment_no=pay, invoice_no=inv, customer_code=customer,
                               amount=totals.gross, invoice_outstanding=Dec("0.00"), invoice_status="paid",
                               allocated_at=paid)  # fmt: skip
        yield OrderSettled(order_no=so, customer_code=customer, invoiced=totals.gross, paid=totals.gross,
                           settled_at=paid)  # fmt: skip
        self.emitted_lines += n_lines

    emitted_lines = 0

    def events(self) -> Iterator[Message]:
        yield from self.master()
        span = 365 * 24 * 3600
        orders = self.lines // 3
        for month in range(12):
            yield from self.purchases(month)
            for k in range(orders * month // 12, orders * (month + 1) // 12):
                yield from self.order(START + timedelta(seconds=span * k // orders))


async def publish(bootstrap: str, history: History) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=256 * 1024, acks=1)
    await producer.start()
    count, pending = 0, []
    try:
        for message in history.events():
            env = Envelope.wrap(message, producer=topic_of(message).producer)
            headers = [("event-type", env.type.encode()), ("event-version", str(env.version).encode())]
            pending.append(await producer.send(topic_of(message).name, value=env.model_dump_json().encode(),
                                               key=env.key.encode(), headers=headers))  # fmt: skip
            count += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return count


_INBOX_INSERTS = text("SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname = 'inbox'")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def run(lines: int, repeat: int) -> None:
    infra = discover_infra()
    url = await create_database(infra, prefix="bench_ana")
    try:
        settings = await service_settings(
            AnalyticsSettings, infra, url, pin=build_handlers(AnalyticsSettings()).topics,
            start_score_publisher=False, start_snapshot_refresher=False, consumer_max_records=1000,
        )  # fmt: skip
        history = History(lines)
        t0 = time.perf_counter()
        events = await publish(infra.kafka_bootstrap, history)
        print(f"published {events} events ({history.emitted_lines} order lines) in {time.perf_counter() - t0:.1f} s")
        clock = ManualClock(datetime(2026, 1, 1, 4, tzinfo=UTC))
        started = time.perf_counter()
        async with serve(create_app(settings, clock=clock)) as client:
            runtime = runtime_of(client)
            # Polled through the inbox's insert counter (cheap, but flushed by the server only every second or so,
            # and counting rows rolled back), the rows counted only for the last 2 %: a count(*) over millions of
            # rows every half second would take a share of the machine from the catch-up it measures.
            while True:
                async with runtime.db.transaction() as s:
                    inserted = await s.scalar(_INBOX_INSERTS)
                    done = await s.scalar(text("SELECT count(*) FROM inbox")) if inserted >= events * 0.98 else 0
                if done >= events:
                    break
                await asyncio.sleep(0.5)
            seconds = time.perf_counter() - started
            print(f"catch-up: {events} events in {seconds:.1f} s = {events / seconds:.0f} events/s "
                  "(from the service's start on an empty database, migrations included)")  # fmt: skip
            t1 = time.perf_counter()
            async with runtime.db.transaction() as s:
                skus = await refresh(s, date(2026, 1, 1))
            print(f"snapshot refresh: {skus} skus × 365 days in {time.perf_counter() - t1:.1f} s")
            t1 = time.perf_counter()
            async with runtime.db.transaction() as s:  # what the snapshot job's tick does next
                pairs = await monthly.refresh(s)
            print(f"monthly totals refresh: {pairs} (month, sku) pairs in {time.perf_counter() - t1:.1f} s")
            t1 = time.perf_counter()
            async with runtime.db.transaction() as s:
                days = await customers.refresh(s)
            print(f"customer credit refresh: {days} (customer, issue day) pairs in {time.perf_counter() - t1:.1f} s")
            t1 = time.perf_counter()
            async with runtime.db.transaction() as s:
                months = await order_cycle.refresh(s, settings.company_timezone, settings.deadlines)
            print(f"order cycle refresh: {months} months in {time.perf_counter() - t1:.1f} s")
            period = {"from": "2025-01-01", "to": "2025-12-31"}
            for name, params in REPORTS:
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    r = await client.get(f"/api/v1/reports/{name}", params={**period, **params}, headers=auth("admin"))
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, r.text
                print(
                    f"{name:<20} p50 {statistics.median(times) * 1000:7.0f} ms   p95 {pct(times, 0.95) * 1000:7.0f} ms"
                )
    finally:
        await drop_database(infra, url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_analytics", description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines over the 12 months")
    parser.add_argument("--repeat", type=int, default=20, help="calls per report")
    args = parser.parse_args()
    uvloop.run(run(args.lines, args.repeat))


if __name__ == "__main__":
    main()

"""Benchmark data for the console: 100,000 sales orders and 10,000 purchase orders written straight into the
sales and purchasing databases with COPY (seconds, not the hours the saga would take), shaped like a busy
year: every state, late orders, overdue / short / over / price anomalies on purchase orders (no saga past its
step's deadline: the sales service would act on those while the benchmark runs).

    python -m tools.gen_console_data --sales-url postgresql://… --purchasing-url postgresql://… [--orders N]

The documents use the year 2025 in their numbers (`SO-2025-…`, `PO-2025-…`): the services' own sequences
number this year's, so generated and real documents never collide. Rerunning deletes the generated ones
first. Nothing is published on Kafka: the other services do not know these documents (the boards and
document pages of sales and purchasing are what the console benchmark measures).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg

CENT = Decimal("0.01")
YEAR = 2025
# (status, weight, the states it went through after `pending`)
ORDER_PATHS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("closed", 40, ("reserving", "awaiting_credit", "confirmed", "shipped", "delivered", "invoiced", "paid", "closed")),
    ("paid", 10, ("reserving", "awaiting_credit", "confirmed", "shipped", "delivered", "invoiced", "paid")),
    ("invoiced", 10, ("reserving", "awaiting_credit", "confirmed", "shipped", "invoiced")),
    ("shipped", 8, ("reserving", "awaiting_credit", "confirmed", "shipped")),
    ("partially_shipped", 3, ("reserving", "awaiting_credit", "confirmed", "partially_shipped")),
    ("confirmed", 10, ("reserving", "awaiting_credit", "confirmed")),
    ("reserving", 2, ("reserving",)),
    ("awaiting_credit", 2, ("reserving", "awaiting_credit")),
    ("pending_approval", 3, ("pending_approval",)),
    ("backordered", 3, ("reserving", "backordered")),
    ("rejected", 5, ("reserving", "rejected")),
    ("cancelled", 4, ("reserving", "awaiting_credit", "confirmed", "cancelled")),
)
PO_STATES: tuple[tuple[str, int], ...] = (
    ("received", 35),
    ("closed", 20),
    ("sent", 15),
    ("shipped", 10),
    ("partially_received", 12),
    ("approved", 3),
    ("pending_approval", 2),
    ("draft", 2),
    ("cancelled", 1),
)
CHANNELS = ("web", "email", "wechat", "app", "phone", "api")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@dataclass
class Rows:
    """Rows per table, as tuples in the column order given."""

    columns: dict[str, tuple[str, ...]]
    rows: dict[str, list[tuple[Any, ...]]]

    def add(self, table: str, *values: Any) -> None:
        self.rows.setdefault(table, []).append(values)


def sales_rows(n: int, now: datetime, rng: random.Random, skus: Sequence[str], customers: Sequence[str]) -> Rows:
    columns = {
        "orders": (
            "order_no customer_code channel external_ref status rejection_reason currency net tax gross priority "
            "allow_backorder requested_date warehouse_code payment_terms_days tracking_token placed_by "
            "placed_at updated_at settled"
        ),
        "order_lines": "order_no line_no sku qty unit_price discount tax_rate net tax reserved_qty shipped_qty",
        "sagas": "order_no step status deadline_at started_at updated_at finished_at",
        "order_status_history": "order_no from_status to_status at",
        "shipments": "do_no order_no warehouse_code created_at picked_at shipped_at carrier tracking_no delivered_at",
    }
    out = Rows({table: tuple(names.split()) for table, names in columns.items()}, {})
    paths = [(s, w) for s, w, _ in ORDER_PATHS]
    through = {s: p for s, _, p in ORDER_PATHS}
    for i in range(1, n + 1):
        no = f"SO-{YEAR}-{i:07d}"
        status = weighted(rng, paths)
        placed = now - timedelta(seconds=rng.randrange(1, 365 * 86400)) * (i / n) ** 2
        net = tax = Decimal(0)
        reserved = status in ("confirmed", "partially_shipped")
        shipped_status = status in ("shipped", "delivered", "invoiced", "paid", "closed", "partially_shipped")
        for line_no in range(1, rng.randint(1, 4) + 1):
            qty = Decimal(rng.randint(1, 20))
            price = Decimal(rng.randrange(500, 50000)) / 100
            line_net = cents(qty * price)
            line_tax = cents(line_net * Decimal("0.13"))
            net, tax = net + line_net, tax + line_tax
            shipped = qty if shipped_status and status != "partially_shipped" else (qty / 2 if shipped_status else 0)
            out.add(
                "order_lines",
                no,
                line_no,
                rng.choice(skus),
                qty,
                price,
                Decimal(0),
                Decimal("0.13"),
                line_net,
                line_tax,
                qty if reserved else Decimal(0),
                Decimal(shipped),
            )
        requested = (placed + timedelta(days=rng.randint(1, 14))).date()
        steps = through[status]
        at = placed
        out.add("order_status_history", no, None, "pending", placed)
        previous = "pending"
        reached = {}
        for to in steps:
            at = at + timedelta(seconds=rng.randint(1, 3600 if to in ("reserving", "awaiting_credit") else 86400))
            out.add("order_status_history", no, previous, to, at)
            reached[to] = at
            previous = to
        shipped_at = reached.get("shipped") or reached.get("partially_shipped")
        if shipped_at is not None:  # its outbound order: created and picked after confirmation, then shipped
            created = reached["confirmed"] + (shipped_at - reached["confirmed"]) / 3
            carrier, code = rng.choice((("顺丰速运", "SF"), ("京东物流", "JD"), ("中通快递", "ZT")))
            picked, tracking_no = created + (shipped_at - created) / 2, f"{code}{rng.randrange(10**11, 10**12)}"
            out.add("shipments", f"DO-{YEAR}-{i:07d}", no, "WH-SH", created, picked, shipped_at, carrier, tracking_no,
                    reached.get("delivered"))  # fmt: skip
        in_saga = status in ("reserving", "awaiting_credit", "backordered")
        steps_of = {"reserving": "reserve", "awaiting_credit": "credit", "backordered": "backorder"}
        saga_step = steps_of.get(status, "done")
        saga_status = "active" if in_saga else ("compensated" if status == "rejected" else "completed")
        if status == "backordered":
            saga_status = "paused"
        # waiting for a reply within their step's deadline: one already past would set the saga's deadline job to
        # work on thousands of sagas (re-sends, compensations, their events) while the benchmark measures
        deadline = (now + timedelta(minutes=rng.randint(180, 600))) if in_saga and status != "backordered" else None
        out.add("sagas", no, saga_step, saga_status, deadline, placed, at, None if in_saga else at)
        out.add(
            "orders",
            no,
            rng.choice(customers),
            rng.choice(CHANNELS),
            f"EXT-{YEAR}-{i}" if rng.random() < 0.5 else None,
            status,
            rng.choice(("out_of_stock", "credit_limit")) if status == "rejected" else None,
            "CNY",
            net,
            tax,
            net + tax,
            rng.randint(0, 9),
            rng.random() < 0.3,
            requested,
            "WH-SH",
            30,
            secrets.token_urlsafe(24),
            "sales",
            placed,
            at,
            status in ("paid", "closed"),
        )
    return out


def purchasing_rows(n: int, now: datetime, rng: random.Random, skus: Sequence[str], suppliers: Sequence[str]) -> Rows:
    columns = {
        "purchase_orders": (
            "po_no supplier_code status currency payment_terms_days warehouse_code expected_date tolerance_pct "
            "net tax gross created_by created_at updated_at sent_at overdue_raised_at"
        ),
        "purchase_order_lines": (
            "po_no line_no sku unit_price tax_rate expected_date qty_ordered qty_shipped qty_received "
            "qty_rejected qty_billed"
        ),
        "po_anomalies": "id po_no anomaly_type subject severity details lines status raised_at resolved_at",
        "po_status_history": "po_no from_status to_status actor at",
    }
    out = Rows({table: tuple(names.split()) for table, names in columns.items()}, {})
    path = ("draft", "pending_approval", "approved", "sent", "shipped", "partially_received", "received", "closed")
    today = now.date()
    for i in range(1, n + 1):
        no = f"PO-{YEAR}-{i:07d}"
        status = weighted(rng, PO_STATES)
        created = now - timedelta(seconds=rng.randrange(1, 365 * 86400)) * (i / n) ** 2
        expected = (created + timedelta(days=rng.randint(3, 30))).date()
        open_ = status in ("sent", "shipped", "partially_received")
        overdue = open_ and expected < today
        net = tax = Decimal(0)
        anomalies: list[tuple[str, str, str]] = []
        for line_no in range(1, rng.randint(1, 5) + 1):
            qty = Decimal(rng.randint(10, 500))
            price = Decimal(rng.randrange(100, 20000)) / 100
            line_net = cents(qty * price)
            net, tax = net + line_net, tax + cents(line_net * Decimal("0.13"))
            shipped = qty if status in ("shipped", "partially_received", "received", "closed") else Decimal(0)
            received = {"partially_received": (qty * rng.randint(1, 9) / 10).quantize(Decimal(1))}.get(status)
            if received is None:
                received = qty if status in ("received", "closed") else Decimal(0)
            roll = rng.random()
            if status in ("received", "closed", "partially_received") and roll < 0.04:
                received = (qty * Decimal("1.1")).quantize(Decimal(1))
                anomalies.append(("over_receipt", "critical", f"line {line_no}: received {received} of {qty}"))
            elif status in ("partially_received", "shipped") and roll < 0.15:
                anomalies.append(("short_receipt", "warning", f"line {line_no}: short"))
            elif status in ("received", "closed") and roll < 0.08:
                anomalies.append(("price_mismatch", "critical", f"line {line_no}: invoice price differs"))
            out.add(
                "purchase_order_lines",
                no,
                line_no,
                rng.choice(skus),
                price,
                Decimal("0.13"),
                expected,
                qty,
                shipped,
                received,
                Decimal(0),
                received if status == "closed" else Decimal(0),
            )
        if overdue:
            anomalies.append(("overdue", "warning", f"expected {expected}, not fully received"))
        for kind, severity, details in anomalies:
            resolved = status == "closed"
            raised = created + timedelta(days=rng.randint(1, 20))
            out.add(
                "po_anomalies",
                uuid.UUID(int=rng.getrandbits(128)),
                no,
                kind,
                f"po-{len(out.rows.get('po_anomalies', []))}",
                severity,
                details,
                "[]",
                "resolved" if resolved else "open",
                raised,
                raised + timedelta(days=2) if resolved else None,
            )
        at, previous = created, None
        for to in path[: path.index(status) + 1] if status != "cancelled" else ("draft", "cancelled"):
            out.add("po_status_history", no, previous, to, "buyer", at)
            previous, at = to, at + timedelta(hours=rng.randint(1, 48))
        sent = created + timedelta(hours=2) if status not in ("draft", "pending_approval", "approved") else None
        out.add(
            "purchase_orders",
            no,
            rng.choice(suppliers),
            status,
            "CNY",
            30,
            "WH-SH",
            expected,
            Decimal(5),
            net,
            tax,
            net + tax,
            "buyer",
            created,
            at,
            sent,
            created if overdue else None,
        )
    return out


def batches(rows: list[tuple[Any, ...]], size: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def write(url: str, data: Rows, delete: dict[str, str], masters: list[tuple[str, str]]) -> None:
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        async with conn.transaction():
            for table, where in delete.items():
                await conn.execute(f"DELETE FROM {table} WHERE {where}")
            for statement in (m for _, m in masters):
                await conn.execute(statement)
            for table in data.columns:  # parents first
                for chunk in batches(data.rows.get(table, [])):
                    await conn.copy_records_to_table(table, records=chunk, columns=list(data.columns[table]))
        for table in data.rows:  # as autovacuum would leave them: statistics, hint bits, the visibility map
            await conn.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        await conn.close()


async def generate(sales_url: str, purchasing_url: str, orders: int, purchase_orders: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    skus = [f"SKU-GEN-{i:04d}" for i in range(1, 501)]
    customers = [f"C-GEN-{i:04d}" for i in range(1, 2001)]
    suppliers = [f"S-GEN-{i:03d}" for i in range(1, 201)]
    started = time.perf_counter()
    sales = sales_rows(orders, now, rng, skus, customers)
    purchasing = purchasing_rows(purchase_orders, now, rng, skus, suppliers)
    built = time.perf_counter()
    so, po = f"'SO-{YEAR}-%'", f"'PO-{YEAR}-%'"
    values = ", ".join(f"('{c}', '客户 {c}', 100000000, 30, 'CNY')" for c in customers)
    supplier_values = ", ".join(f"('{s}', '供应商 {s}', 30, 'CNY', now())" for s in suppliers)
    await asyncio.gather(
        write(
            sales_url,
            sales,
            {
                "order_status_history": f"order_no LIKE {so}",
                "shipments": f"order_no LIKE {so}",
                "sagas": f"order_no LIKE {so}",
                "order_lines": f"order_no LIKE {so}",
                "orders": f"order_no LIKE {so}",
            },
            [
                (
                    "customers",
                    "INSERT INTO customers (code, name, credit_limit, payment_terms_days, currency) "
                    f"VALUES {values} ON CONFLICT DO NOTHING",
                )
            ],
        ),
        write(
            purchasing_url,
            purchasing,
            {
                "po_status_history": f"po_no LIKE {po}",
                "po_anomalies": f"po_no LIKE {po}",
                "purchase_order_lines": f"po_no LIKE {po}",
                "purchase_orders": f"po_no LIKE {po}",
            },
            [
                (
                    "suppliers",
                    "INSERT INTO suppliers (code, name, payment_terms_days, currency, updated_at) "
                    f"VALUES {supplier_values} ON CONFLICT DO NOTHING",
                )
            ],
        ),
    )
    done = time.perf_counter()
    counts = {t: len(r) for t, r in (sales.rows | purchasing.rows).items()}
    print(f"built in {built - started:.1f} s, written in {done - built:.1f} s: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales-url", required=True)
    parser.add_argument("--purchasing-url", required=True)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--purchase-orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    asyncio.run(generate(args.sales_url, args.purchasing_url, args.orders, args.purchase_orders, args.seed))


if __name__ == "__main__":
    main()

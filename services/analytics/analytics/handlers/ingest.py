"""From events to facts. Each handler upserts the rows its event states, keyed by what identifies them in the
business (an invoice line, a receipt line, an order's step), never adding to a total: an event delivered twice,
late, or before one it follows writes what it would have written anyway. A fact that moves stock marks its sku
for the snapshot refresh from its day on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.config import AnalyticsUnit
from analytics.domain import business_day
from contracts.finance import BillCreated, InvoiceIssued, InvoiceVoided, OrderSettled, PaymentAllocated
from contracts.inventory import GoodsReceived, ProductUpserted, ShipmentDispatched, StockAdjusted
from contracts.purchasing import PurchaseOrderCancelled, PurchaseOrderSent, SupplierUpserted
from contracts.sales import (
    CustomerUpserted,
    OrderCancelled,
    OrderConfirmed,
    OrderPlaced,
    OrderRejected,
    OrderStatusChanged,
)
from servicekit.fastsql import Bulk

VC, INT, NUM, DAY, TS = "varchar", "integer", "numeric", "date", "timestamptz"

# The order steps OrderStatusChanged tells of (the others come from their own events).
STATUS_STEPS = frozenset({"shipped", "delivered", "paid", "cancelled", "rejected"})


def _bulk(
    table: str,
    key: str,
    columns: dict[str, str],
    *,
    where: str | None = None,
    update: str | None = None,
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
) -> Bulk:
    """An upsert of a batch's rows as one statement (`fastsql.Bulk`): `columns` maps each to its SQL type; two
    rows of one key in a batch are merged (`merge`; by default the later one wins, as it would have updated the
    earlier)."""
    keys = [k.strip() for k in key.split(",")]
    sets = update or ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in columns.items())
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    )
    if where:
        sql += f" WHERE {where}"
    return Bulk(sql, columns, keys, merge)


def _newer(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Master data: the later version (as `updated_at <= excluded.updated_at` keeps it)."""
    return new if old["updated_at"] <= new["updated_at"] else old


def _earliest(column: str) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
    def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        return new if new[column] < old[column] else old

    return merge


PRODUCT = _bulk(
    "products",
    "sku",
    {"sku": VC, "name": VC, "category": VC, "updated_at": TS},
    where="products.updated_at <= excluded.updated_at",
    merge=_newer,
)
SUPPLIER = _bulk(
    "suppliers",
    "code",
    {"code": VC, "name": VC, "typed_score": NUM, "updated_at": TS},
    where="suppliers.updated_at <= excluded.updated_at",
    merge=_newer,
)
CUSTOMER = _bulk(
    "customers",
    "code",
    {"code": VC, "name": VC, "credit_limit": NUM, "payment_terms_days": INT, "updated_at": TS},
    where="customers.updated_at <= excluded.updated_at",
    merge=_newer,
)
ORDER = _bulk("orders", "order_no", {"order_no": VC, "customer_code": VC, "channel": VC, "gross": NUM})
STEP = _bulk(
    "order_steps",
    "order_no, step",
    {"order_no": VC, "step": VC, "at": TS},
    update="at = least(order_steps.at, excluded.at)",
    merge=_earliest("at"),
)
INVOICE = _bulk(
    "invoices",
    "invoice_no",
    {
        "invoice_no": VC,
        "order_no": VC,
        "do_no": VC,
        "customer_code": VC,
        "gross": NUM,
        "issue_date": DAY,
        "due_date": DAY,
    },
)
INVOICE_LINE = _bulk(
    "invoice_lines",
    "invoice_no, line_no",
    {
        "invoice_no": VC,
        "line_no": INT,
        "do_no": VC,
        "customer_code": VC,
        "sku": VC,
        "qty": NUM,
        "net": NUM,
        "issue_date": DAY,
    },
)
VOID = _bulk("invoice_voids", "invoice_no", {"invoice_no": VC, "amount": NUM, "voided_at": TS})
ALLOCATION = _bulk(
    "payment_allocations",
    "payment_no, invoice_no",
    {"payment_no": VC, "invoice_no": VC, "customer_code": VC, "amount": NUM, "day": DAY},
)
SHIPMENT_LINE = _bulk(
    "shipment_lines",
    "do_no, line_no",
    {
        "do_no": VC,
        "line_no": INT,
        "order_no": VC,
        "warehouse_code": VC,
        "sku": VC,
        "qty": NUM,
        "unit_cost": NUM,
        "at": TS,
        "day": DAY,
    },
)
RECEIPT_LINE = _bulk(
    "receipt_lines",
    "grn_no, line_no",
    {
        "grn_no": VC,
        "line_no": INT,
        "po_no": VC,
        "po_line_no": INT,
        "supplier_code": VC,
        "warehouse_code": VC,
        "sku": VC,
        "qty_received": NUM,
        "qty_accepted": NUM,
        "qty_rejected": NUM,
        "unit_cost": NUM,
        "avg_cost_after": NUM,
        "at": TS,
        "day": DAY,
    },
)
ADJUSTMENT = _bulk(
    "stock_adjustments",
    "event_id",
    {"event_id": VC, "sku": VC, "warehouse_code": VC, "qty_delta": NUM, "unit_cost": NUM, "at": TS, "day": DAY},
)
PO_LINE = _bulk(
    "po_lines",
    "po_no, line_no",
    {
        "po_no": VC,
        "line_no": INT,
        "supplier_code": VC,
        "warehouse_code": VC,
        "sku": VC,
        "qty": NUM,
        "unit_price": NUM,
        "expected_date": DAY,
        "sent_at": TS,
        "sent_day": DAY,
    },
)
PO_CANCELLED = _bulk("po_cancellations", "po_no", {"po_no": VC, "cancelled_at": TS})
BILL_LINE = _bulk(
    "bill_lines",
    "bill_no, line_no",
    {
        "bill_no": VC,
        "line_no": INT,
        "supplier_code": VC,
        "po_no": VC,
        "po_line_no": INT,
        "sku": VC,
        "qty": NUM,
        "unit_price": NUM,
        "net": NUM,
        "bill_date": DAY,
    },
)

# Dirty marks. DO UPDATE (not DO NOTHING) takes the mark's row lock: a refresh deleting the mark waits for this
# transaction, and its recompute, a later statement, sees the facts written with it.
MONTH_DIRTY = _bulk("sku_monthly_dirty", "month, sku", {"month": DAY, "sku": VC}, update="sku = excluded.sku")
# A void changes the sales of the months and skus its invoice's lines are in (an invoice arriving after its void
# marks them itself).
VOID_MONTH_DIRTY = Bulk(
    "INSERT INTO sku_monthly_dirty (month, sku) SELECT DISTINCT CAST(date_trunc('month', issue_date) AS date), "
    "sku FROM invoice_lines WHERE invoice_no = ANY(CAST(:invoice_no AS varchar[])) "
    "ON CONFLICT (month, sku) DO UPDATE SET sku = excluded.sku",
    ["invoice_no"],
    ["invoice_no"],
)
DIRTY = _bulk(
    "stock_dirty",
    "sku",
    {"sku": VC, "from_day": DAY},
    update="from_day = least(stock_dirty.from_day, excluded.from_day)",
    merge=_earliest("from_day"),
)
# The customer credit's daily totals (handlers/customers.py): an invoice marks its (customer, issue day); a
# payment or void marks its invoice's (an invoice arriving after them marks its own).
CREDIT_DIRTY = _bulk(
    "credit_daily_dirty",
    "customer_code, issue_date",
    {"customer_code": VC, "issue_date": DAY},
    update="issue_date = excluded.issue_date",
)
CREDIT_DIRTY_OF = Bulk(
    "INSERT INTO credit_daily_dirty (customer_code, issue_date) SELECT DISTINCT customer_code, issue_date "
    "FROM invoices WHERE invoice_no = ANY(CAST(:invoice_no AS varchar[])) "
    "ON CONFLICT (customer_code, issue_date) DO UPDATE SET issue_date = excluded.issue_date",
    ["invoice_no"],
    ["invoice_no"],
)


def _cycle_dirty(tz: ZoneInfo) -> Bulk:
    """The order cycle's monthly figures (handlers/order_cycle.py): a step marks the month its order was placed
    in (read from its placed step, written before: STEP is always queued first); an order whose placed step
    arrives later is marked then."""
    zone = str(tz).replace("'", "''")
    return Bulk(
        "INSERT INTO order_cycle_dirty (month) SELECT DISTINCT "
        f"CAST(date_trunc('month', at AT TIME ZONE '{zone}') AS date) FROM order_steps "
        "WHERE step = 'placed' AND order_no = ANY(CAST(:order_no AS varchar[])) "
        "ON CONFLICT (month) DO UPDATE SET month = excluded.month",
        ["order_no"],
        ["order_no"],
    )


class Ingest:
    """The handlers, bound to the company's time zone (business days are computed once, at ingest)."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self.cycle_dirty = _cycle_dirty(self.tz)

    def day(self, moment: datetime) -> date:
        return business_day(moment, self.tz)

    async def _dirty(self, s: AsyncSession, skus: set[str], day: date) -> None:
        for sku in sorted(skus):
            await DIRTY.add(s, sku=sku, from_day=day)

    async def _month_dirty(self, s: AsyncSession, skus: set[str], day: date) -> None:
        for sku in sorted(skus):
            await MONTH_DIRTY.add(s, month=day.replace(day=1), sku=sku)

    async def _step(self, s: AsyncSession, order_no: str, step: str, at: datetime) -> None:
        await STEP.add(s, order_no=order_no, step=step, at=at)
        await self.cycle_dirty.add(s, order_no=order_no)

    # --- master data ---------------------------------------------------------------------------------

    async def product(self, unit: AnalyticsUnit, m: ProductUpserted) -> None:
        await PRODUCT.add(unit.session, sku=m.sku, name=m.name, category=m.category, updated_at=m.updated_at)

    async def supplier(self, unit: AnalyticsUnit, m: SupplierUpserted) -> None:
        await SUPPLIER.add(
            unit.session, code=m.supplier_code, name=m.name, typed_score=m.score, updated_at=m.updated_at
        )

    async def customer(self, unit: AnalyticsUnit, m: CustomerUpserted) -> None:
        await CUSTOMER.add(
            unit.session,
            code=m.customer_code,
            name=m.name,
            credit_limit=m.credit_limit,
            payment_terms_days=m.payment_terms_days,
            updated_at=m.updated_at,
        )

    # --- sales orders --------------------------------------------------------------------------------

    async def order_placed(self, unit: AnalyticsUnit, m: OrderPlaced) -> None:
        s = unit.session
        await ORDER.add(s, order_no=m.order_no, customer_code=m.customer_code, channel=m.channel, gross=m.totals.gross)
        await self._step(s, m.order_no, "placed", m.placed_at)

    async def order_confirmed(self, unit: AnalyticsUnit, m: OrderConfirmed) -> None:
        s = unit.session
        await ORDER.add(s, order_no=m.order_no, customer_code=m.customer_code, channel=m.channel, gross=m.totals.gross)
        await self._step(s, m.order_no, "confirmed", m.confirmed_at)

    async def order_status(self, unit: AnalyticsUnit, m: OrderStatusChanged) -> None:
        if m.to_status in STATUS_STEPS:
            await self._step(unit.session, m.order_no, m.to_status, m.at)

    async def order_cancelled(self, unit: AnalyticsUnit, m: OrderCancelled) -> None:
        await self._step(unit.session, m.order_no, "cancelled", m.cancelled_at)

    async def order_rejected(self, unit: AnalyticsUnit, m: OrderRejected) -> None:
        await self._step(unit.session, m.order_no, "rejected", m.rejected_at)

    async def order_settled(self, unit: AnalyticsUnit, m: OrderSettled) -> None:
        await self._step(unit.session, m.order_no, "paid", m.settled_at)

    # --- receivables ---------------------------------------------------------------------------------

    async def invoice_issued(self, unit: AnalyticsUnit, m: InvoiceIssued) -> None:
        s = unit.session
        await INVOICE.add(
            s,
            invoice_no=m.invoice_no,
            order_no=m.order_no,
            do_no=m.do_no,
            customer_code=m.customer_code,
            gross=m.totals.gross,
            issue_date=m.issue_date,
            due_date=m.due_date,
        )
        for ln in m.lines:
            await INVOICE_LINE.add(
                s,
                invoice_no=m.invoice_no,
                line_no=ln.line_no,
                do_no=m.do_no,
                customer_code=m.customer_code,
                sku=ln.sku,
                qty=ln.qty,
                net=ln.net,
                issue_date=m.issue_date,
            )
        await self._month_dirty(s, {ln.sku for ln in m.lines}, m.issue_date)
        await CREDIT_DIRTY.add(s, customer_code=m.customer_code, issue_date=m.issue_date)

    async def invoice_voided(self, unit: AnalyticsUnit, m: InvoiceVoided) -> None:
        await VOID.add(unit.session, invoice_no=m.invoice_no, amount=m.amount, voided_at=m.voided_at)
        await VOID_MONTH_DIRTY.add(unit.session, invoice_no=m.invoice_no)
        await CREDIT_DIRTY_OF.add(unit.session, invoice_no=m.invoice_no)

    async def payment_allocated(self, unit: AnalyticsUnit, m: PaymentAllocated) -> None:
        await ALLOCATION.add(
            unit.session,
            payment_no=m.payment_no,
            invoice_no=m.invoice_no,
            customer_code=m.customer_code,
            amount=m.amount,
            day=self.day(m.allocated_at),
        )
        await CREDIT_DIRTY_OF.add(unit.session, invoice_no=m.invoice_no)

    # --- stock ---------------------------------------------------------------------------------------

    async def shipment(self, unit: AnalyticsUnit, m: ShipmentDispatched) -> None:
        s, day = unit.session, self.day(m.shipped_at)
        for ln in m.lines:
            await SHIPMENT_LINE.add(
                s,
                do_no=m.do_no,
                line_no=ln.line_no,
                order_no=m.order_no,
                warehouse_code=m.warehouse_code,
                sku=ln.sku,
                qty=ln.qty,
                unit_cost=ln.unit_cost,
                at=m.shipped_at,
                day=day,
            )
        await self._dirty(s, {ln.sku for ln in m.lines}, day)
        await self._month_dirty(s, {ln.sku for ln in m.lines}, day)

    async def receipt(self, unit: AnalyticsUnit, m: GoodsReceived) -> None:
        s, day = unit.session, self.day(m.received_at)
        for ln in m.lines:
            await RECEIPT_LINE.add(
                s,
                grn_no=m.grn_no,
                line_no=ln.line_no,
                po_no=m.po_no,
                po_line_no=ln.po_line_no,
                supplier_code=m.supplier_code,
                warehouse_code=m.warehouse_code,
                sku=ln.sku,
                qty_received=ln.qty_received,
                qty_accepted=ln.qty_accepted,
                qty_rejected=ln.qty_rejected,
                unit_cost=ln.unit_cost,
                avg_cost_after=ln.avg_cost_after,
                at=m.received_at,
                day=day,
            )
        await self._dirty(s, {ln.sku for ln in m.lines}, day)
        await self._month_dirty(s, {ln.sku for ln in m.lines}, day)

    async def adjustment(self, unit: AnalyticsUnit, m: StockAdjusted) -> None:
        s, day = unit.session, self.day(m.adjusted_at)
        await ADJUSTMENT.add(
            s,
            event_id=unit.causation_id,
            sku=m.sku,
            warehouse_code=m.warehouse_code,
            qty_delta=m.qty_delta,
            unit_cost=m.unit_cost,
            at=m.adjusted_at,
            day=day,
        )
        await self._dirty(s, {m.sku}, day)

    # --- purchasing and payables ---------------------------------------------------------------------

    async def po_sent(self, unit: AnalyticsUnit, m: PurchaseOrderSent) -> None:
        s, day = unit.session, self.day(m.sent_at)
        for ln in m.lines:
            await PO_LINE.add(
                s,
                po_no=m.po_no,
                line_no=ln.line_no,
                supplier_code=m.supplier_code,
                warehouse_code=m.warehouse_code,
                sku=ln.sku,
                qty=ln.qty,
                unit_price=ln.unit_price,
                expected_date=ln.expected_date or m.expected_date,
                sent_at=m.sent_at,
                sent_day=day,
            )

    async def po_cancelled(self, unit: AnalyticsUnit, m: PurchaseOrderCancelled) -> None:
        await PO_CANCELLED.add(unit.session, po_no=m.po_no, cancelled_at=m.cancelled_at)

    async def bill(self, unit: AnalyticsUnit, m: BillCreated) -> None:
        for ln in m.lines:
            await BILL_LINE.add(
                unit.session,
                bill_no=m.bill_no,
                line_no=ln.line_no,
                supplier_code=m.supplier_code,
                po_no=m.po_no,
                po_line_no=ln.po_line_no,
                sku=ln.sku,
                qty=ln.qty,
                unit_price=ln.unit_price,
                net=ln.net,
                bill_date=m.bill_date,
            )
        await self._month_dirty(unit.session, {ln.sku for ln in m.lines}, m.bill_date)


def registrations(ingest: Ingest) -> list[tuple[type[Any], Any]]:
    """Every message the read model records, with its handler."""
    return [
        (ProductUpserted, ingest.product),
        (SupplierUpserted, ingest.supplier),
        (CustomerUpserted, ingest.customer),
        (OrderPlaced, ingest.order_placed),
        (OrderConfirmed, ingest.order_confirmed),
        (OrderStatusChanged, ingest.order_status),
        (OrderCancelled, ingest.order_cancelled),
        (OrderRejected, ingest.order_rejected),
        (OrderSettled, ingest.order_settled),
        (InvoiceIssued, ingest.invoice_issued),
        (InvoiceVoided, ingest.invoice_voided),
        (PaymentAllocated, ingest.payment_allocated),
        (ShipmentDispatched, ingest.shipment),
        (GoodsReceived, ingest.receipt),
        (StockAdjusted, ingest.adjustment),
        (PurchaseOrderSent, ingest.po_sent),
        (PurchaseOrderCancelled, ingest.po_cancelled),
        (BillCreated, ingest.bill),
    ]

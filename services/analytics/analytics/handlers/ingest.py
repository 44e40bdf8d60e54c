"""From events to facts. Each handler upserts the rows its event states, keyed by what identifies them in the
business (an invoice line, a receipt line, an order's step), never adding to a total: an event delivered twice,
late, or before one it follows writes what it would have written anyway. A fact that moves stock marks its sku
for the snapshot refresh from its day on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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
from servicekit.consumer import HandlerContext
from servicekit.fastsql import Statement


def _upsert(table: str, key: str, columns: str, *, where: str | None = None, update: str | None = None) -> Statement:
    cols = [c.strip() for c in columns.split(",")]
    keys = [k.strip() for k in key.split(",")]
    sets = update or ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keys)
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    )
    if where:
        sql += f" WHERE {where}"
    return Statement(text(sql))


PRODUCT = _upsert(
    "products", "sku", "sku, name, category, updated_at", where="products.updated_at <= excluded.updated_at"
)
SUPPLIER = _upsert(
    "suppliers", "code", "code, name, typed_score, updated_at", where="suppliers.updated_at <= excluded.updated_at"
)
CUSTOMER = _upsert(
    "customers",
    "code",
    "code, name, credit_limit, payment_terms_days, updated_at",
    where="customers.updated_at <= excluded.updated_at",
)
ORDER = _upsert("orders", "order_no", "order_no, customer_code, channel, gross")
STEP = _upsert("order_steps", "order_no, step", "order_no, step, at", update="at = least(order_steps.at, excluded.at)")
INVOICE = _upsert("invoices", "invoice_no", "invoice_no, order_no, do_no, customer_code, gross, issue_date, due_date")
INVOICE_LINE = _upsert(
    "invoice_lines", "invoice_no, line_no", "invoice_no, line_no, do_no, customer_code, sku, qty, net, issue_date"
)
VOID = _upsert("invoice_voids", "invoice_no", "invoice_no, amount, voided_at")
ALLOCATION = _upsert(
    "payment_allocations", "payment_no, invoice_no", "payment_no, invoice_no, customer_code, amount, day"
)
SHIPMENT_LINE = _upsert(
    "shipment_lines", "do_no, line_no", "do_no, line_no, order_no, warehouse_code, sku, qty, unit_cost, at, day"
)
RECEIPT_LINE = _upsert(
    "receipt_lines",
    "grn_no, line_no",
    "grn_no, line_no, po_no, po_line_no, supplier_code, warehouse_code, sku, qty_received, qty_accepted, "
    "qty_rejected, unit_cost, avg_cost_after, at, day",
)
ADJUSTMENT = _upsert("stock_adjustments", "event_id", "event_id, sku, warehouse_code, qty_delta, unit_cost, at, day")
PO_LINE = _upsert(
    "po_lines",
    "po_no, line_no",
    "po_no, line_no, supplier_code, warehouse_code, sku, qty, unit_price, expected_date, sent_at, sent_day",
)
PO_CANCELLED = _upsert("po_cancellations", "po_no", "po_no, cancelled_at")
BILL_LINE = _upsert(
    "bill_lines",
    "bill_no, line_no",
    "bill_no, line_no, supplier_code, po_no, po_line_no, sku, qty, unit_price, net, bill_date",
)
MONTH_DIRTY = Statement(
    text("INSERT INTO sku_monthly_dirty (month, sku) VALUES (:month, :sku) ON CONFLICT (month, sku) DO NOTHING")
)
# A void changes the sales of the months and skus its invoice's lines are in (an invoice arriving after its void
# marks them itself).
VOID_MONTH_DIRTY = Statement(
    text(
        "INSERT INTO sku_monthly_dirty (month, sku) SELECT DISTINCT CAST(date_trunc('month', issue_date) AS date), "
        "sku FROM invoice_lines WHERE invoice_no = :invoice_no ON CONFLICT (month, sku) DO NOTHING"
    )
)
DIRTY = _upsert(
    "stock_dirty", "sku", "sku, from_day", update="from_day = least(stock_dirty.from_day, excluded.from_day)"
)

# The order steps OrderStatusChanged tells of (the others come from their own events).
STATUS_STEPS = frozenset({"shipped", "delivered", "paid", "cancelled", "rejected"})


class Ingest:
    """The handlers, bound to the company's time zone (business days are computed once, at ingest)."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)

    def day(self, moment: datetime) -> date:
        return business_day(moment, self.tz)

    async def _dirty(self, s: AsyncSession, skus: set[str], day: date) -> None:
        for sku in sorted(skus):
            await DIRTY.defer(s, sku=sku, from_day=day)

    async def _month_dirty(self, s: AsyncSession, skus: set[str], day: date) -> None:
        for sku in sorted(skus):
            await MONTH_DIRTY.defer(s, month=day.replace(day=1), sku=sku)

    async def _step(self, s: AsyncSession, order_no: str, step: str, at: datetime) -> None:
        await STEP.defer(s, order_no=order_no, step=step, at=at)

    # --- master data ---------------------------------------------------------------------------------

    async def product(self, ctx: HandlerContext, m: ProductUpserted) -> None:
        await PRODUCT.defer(ctx.session, sku=m.sku, name=m.name, category=m.category, updated_at=m.updated_at)

    async def supplier(self, ctx: HandlerContext, m: SupplierUpserted) -> None:
        await SUPPLIER.defer(
            ctx.session, code=m.supplier_code, name=m.name, typed_score=m.score, updated_at=m.updated_at
        )

    async def customer(self, ctx: HandlerContext, m: CustomerUpserted) -> None:
        await CUSTOMER.defer(
            ctx.session,
            code=m.customer_code,
            name=m.name,
            credit_limit=m.credit_limit,
            payment_terms_days=m.payment_terms_days,
            updated_at=m.updated_at,
        )

    # --- sales orders --------------------------------------------------------------------------------

    async def order_placed(self, ctx: HandlerContext, m: OrderPlaced) -> None:
        s = ctx.session
        await ORDER.defer(
            s, order_no=m.order_no, customer_code=m.customer_code, channel=m.channel, gross=m.totals.gross
        )
        await self._step(s, m.order_no, "placed", m.placed_at)

    async def order_confirmed(self, ctx: HandlerContext, m: OrderConfirmed) -> None:
        s = ctx.session
        await ORDER.defer(
            s, order_no=m.order_no, customer_code=m.customer_code, channel=m.channel, gross=m.totals.gross
        )
        await self._step(s, m.order_no, "confirmed", m.confirmed_at)

    async def order_status(self, ctx: HandlerContext, m: OrderStatusChanged) -> None:
        if m.to_status in STATUS_STEPS:
            await self._step(ctx.session, m.order_no, m.to_status, m.at)

    async def order_cancelled(self, ctx: HandlerContext, m: OrderCancelled) -> None:
        await self._step(ctx.session, m.order_no, "cancelled", m.cancelled_at)

    async def order_rejected(self, ctx: HandlerContext, m: OrderRejected) -> None:
        await self._step(ctx.session, m.order_no, "rejected", m.rejected_at)

    async def order_settled(self, ctx: HandlerContext, m: OrderSettled) -> None:
        await self._step(ctx.session, m.order_no, "paid", m.settled_at)

    # --- receivables ---------------------------------------------------------------------------------

    async def invoice_issued(self, ctx: HandlerContext, m: InvoiceIssued) -> None:
        s = ctx.session
        await INVOICE.defer(
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
            await INVOICE_LINE.defer(
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

    async def invoice_voided(self, ctx: HandlerContext, m: InvoiceVoided) -> None:
        await VOID.defer(ctx.session, invoice_no=m.invoice_no, amount=m.amount, voided_at=m.voided_at)
        await VOID_MONTH_DIRTY.defer(ctx.session, invoice_no=m.invoice_no)

    async def payment_allocated(self, ctx: HandlerContext, m: PaymentAllocated) -> None:
        await ALLOCATION.defer(
            ctx.session,
            payment_no=m.payment_no,
            invoice_no=m.invoice_no,
            customer_code=m.customer_code,
            amount=m.amount,
            day=self.day(m.allocated_at),
        )

    # --- stock ---------------------------------------------------------------------------------------

    async def shipment(self, ctx: HandlerContext, m: ShipmentDispatched) -> None:
        s, day = ctx.session, self.day(m.shipped_at)
        for ln in m.lines:
            await SHIPMENT_LINE.defer(
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

    async def receipt(self, ctx: HandlerContext, m: GoodsReceived) -> None:
        s, day = ctx.session, self.day(m.received_at)
        for ln in m.lines:
            await RECEIPT_LINE.defer(
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

    async def adjustment(self, ctx: HandlerContext, m: StockAdjusted) -> None:
        s, day = ctx.session, self.day(m.adjusted_at)
        await ADJUSTMENT.defer(
            s,
            event_id=str(ctx.envelope.event_id),
            sku=m.sku,
            warehouse_code=m.warehouse_code,
            qty_delta=m.qty_delta,
            unit_cost=m.unit_cost,
            at=m.adjusted_at,
            day=day,
        )
        await self._dirty(s, {m.sku}, day)

    # --- purchasing and payables ---------------------------------------------------------------------

    async def po_sent(self, ctx: HandlerContext, m: PurchaseOrderSent) -> None:
        s, day = ctx.session, self.day(m.sent_at)
        for ln in m.lines:
            await PO_LINE.defer(
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

    async def po_cancelled(self, ctx: HandlerContext, m: PurchaseOrderCancelled) -> None:
        await PO_CANCELLED.defer(ctx.session, po_no=m.po_no, cancelled_at=m.cancelled_at)

    async def bill(self, ctx: HandlerContext, m: BillCreated) -> None:
        for ln in m.lines:
            await BILL_LINE.defer(
                ctx.session,
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
        await self._month_dirty(ctx.session, {ln.sku for ln in m.lines}, m.bill_date)


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

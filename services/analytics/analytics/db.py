"""The read model. Facts, one row per natural key of what an event states (an invoice line, a receipt line, an
order's step), written by upsert: a redelivered or replayed event writes the same row again, a late or
out-of-order one lands where its key says. Every figure is computed from these facts at query time, except the
daily stock snapshots and the monthly totals per sku, which are recomputed from the facts (never incremented)
for each sku (from the first day it changed on), or each (month, sku), a fact touched."""

from __future__ import annotations

import itertools

from sqlalchemy import Column, Date, Double, Index, Integer, Numeric, PrimaryKeyConstraint, String, Table, text

from servicekit.db import kit_tables, new_metadata, ts

metadata = new_metadata()
kit = kit_tables(metadata)


def _code(name: str, nullable: bool = False) -> Column[str]:
    return Column(name, String(64), nullable=nullable)


def _num(name: str, scale: int = 2, nullable: bool = False) -> Column[object]:
    return Column(name, Numeric(20, scale), nullable=nullable)


def _day(name: str = "day") -> Column[object]:
    """The business day (company time zone) an event happened on."""
    return Column(name, Date, nullable=False)


products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(200)),
    ts("updated_at"),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("typed_score", Numeric(5, 2)),
    ts("updated_at"),
)

customers = Table(
    "customers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    _num("credit_limit"),
    Column("payment_terms_days", Integer, nullable=False),
    ts("updated_at"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_no", String(64), primary_key=True),
    _code("customer_code"),
    Column("channel", String(16), nullable=False),
    _num("gross", nullable=True),
    Index("ix_orders_customer_code", "customer_code"),  # one customer's order cycle and cancellations
)

# The moments an order reached each step (placed, confirmed, shipped, delivered, paid, cancelled, rejected): the
# first time wins, whatever order the events arrive in.
order_steps = Table(
    "order_steps",
    metadata,
    Column("order_no", String(64), nullable=False),
    Column("step", String(16), nullable=False),
    ts("at"),
    PrimaryKeyConstraint("order_no", "step", name="pk_order_steps"),
    # The orders placed, and cancelled, in a period (the order cycle's months, the customer credit's
    # cancellations), without reading every step.
    Index("ix_order_steps_placed_at", "at", postgresql_where=text("step = 'placed'")),
    Index("ix_order_steps_cancelled_at", "at", postgresql_where=text("step = 'cancelled'")),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_no", String(64), primary_key=True),
    Column("order_no", String(64), nullable=False),
    Column("do_no", String(64), nullable=False),
    _code("customer_code"),
    _num("gross"),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    # A customer's invoices of a day: the customer credit's daily totals and the invoices they cannot answer.
    Index("ix_invoices_customer_issue_date", "customer_code", "issue_date"),
    Index("ix_invoices_issue_date", "issue_date"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("do_no", String(64), nullable=False),
    _code("customer_code"),
    _code("sku"),
    _num("qty", 3),
    _num("net"),
    Column("issue_date", Date, nullable=False),
    PrimaryKeyConstraint("invoice_no", "line_no", name="pk_invoice_lines"),
    Index("ix_invoice_lines_issue_date", "issue_date"),
)

invoice_voids = Table(
    "invoice_voids",
    metadata,
    Column("invoice_no", String(64), primary_key=True),
    _num("amount"),
    ts("voided_at"),
)

payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("payment_no", String(64), nullable=False),
    Column("invoice_no", String(64), nullable=False),
    _code("customer_code"),
    _num("amount"),
    _day(),
    PrimaryKeyConstraint("payment_no", "invoice_no", name="pk_payment_allocations"),
    Index("ix_payment_allocations_invoice_no", "invoice_no"),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("do_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("order_no", String(64), nullable=False),
    _code("warehouse_code"),
    _code("sku"),
    _num("qty", 3),
    _num("unit_cost", 4),
    ts("at"),
    _day(),
    PrimaryKeyConstraint("do_no", "line_no", name="pk_shipment_lines"),
    Index("ix_shipment_lines_sku_day", "sku", "day"),
    Index("ix_shipment_lines_day", "day"),
)

receipt_lines = Table(
    "receipt_lines",
    metadata,
    Column("grn_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("po_no", String(64)),
    Column("po_line_no", Integer),
    _code("supplier_code", nullable=True),
    _code("warehouse_code"),
    _code("sku"),
    _num("qty_received", 3),
    _num("qty_accepted", 3),
    _num("qty_rejected", 3),
    _num("unit_cost", 4),
    _num("avg_cost_after", 4, nullable=True),
    ts("at"),
    _day(),
    PrimaryKeyConstraint("grn_no", "line_no", name="pk_receipt_lines"),
    Index("ix_receipt_lines_sku_day", "sku", "day"),
    Index("ix_receipt_lines_po", "po_no", "po_line_no"),
)

stock_adjustments = Table(
    "stock_adjustments",
    metadata,
    Column("event_id", String(36), primary_key=True),
    _code("sku"),
    _code("warehouse_code"),
    _num("qty_delta", 3),
    _num("unit_cost", 4, nullable=True),
    ts("at"),
    _day(),
    Index("ix_stock_adjustments_sku_day", "sku", "day"),
)

po_lines = Table(
    "po_lines",
    metadata,
    Column("po_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    _code("supplier_code"),
    _code("warehouse_code"),
    _code("sku"),
    _num("qty", 3),
    _num("unit_price"),
    Column("expected_date", Date, nullable=False),
    ts("sent_at"),
    _day("sent_day"),
    PrimaryKeyConstraint("po_no", "line_no", name="pk_po_lines"),
    Index("ix_po_lines_expected_date", "expected_date"),
    Index("ix_po_lines_sku_sent_day", "sku", "sent_day"),
)

po_cancellations = Table(
    "po_cancellations",
    metadata,
    Column("po_no", String(64), primary_key=True),
    ts("cancelled_at"),
)

bill_lines = Table(
    "bill_lines",
    metadata,
    Column("bill_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    _code("supplier_code"),
    Column("po_no", String(64)),
    Column("po_line_no", Integer),
    _code("sku"),
    _num("qty", 3),
    _num("unit_price"),
    _num("net"),
    Column("bill_date", Date, nullable=False),
    PrimaryKeyConstraint("bill_no", "line_no", name="pk_bill_lines"),
    Index("ix_bill_lines_bill_date", "bill_date"),
)

# Daily stock snapshots: on hand and its value at the moving-average cost, per sku and warehouse, at the end of
# each business day from the sku's first movement on. Derived: recomputed from the facts above.
stock_daily = Table(
    "stock_daily",
    metadata,
    _code("sku"),
    _code("warehouse_code"),
    _day(),
    _num("on_hand", 3),
    _num("value"),
    PrimaryKeyConstraint("sku", "warehouse_code", "day", name="pk_stock_daily"),
    Index("ix_stock_daily_day", "day"),
)

# Skus whose snapshots must be recomputed from `from_day` on (a fact touched them); cleared by the refresh.
stock_dirty = Table(
    "stock_dirty",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("from_day", Date, nullable=False),
)

# Monthly purchase and sales totals per sku (the purchase vs sales report's and the top movers' source for whole
# months with no warehouse, supplier or customer filter). Derived like `stock_daily`: recomputed from the facts for
# each (month, sku) a fact touched (`sku_monthly_dirty`), never incremented; a (month, sku) with no fact has no row.
sku_monthly = Table(
    "sku_monthly",
    metadata,
    Column("month", Date, nullable=False),
    _code("sku"),
    _num("received"),
    _num("billed"),
    _num("sales"),
    _num("sales_qty", 3),
    Column("sales_lines", Integer, nullable=False),
    _num("cogs"),
    PrimaryKeyConstraint("month", "sku", name="pk_sku_monthly"),
)

sku_monthly_dirty = Table(
    "sku_monthly_dirty",
    metadata,
    Column("month", Date, nullable=False),
    _code("sku"),
    PrimaryKeyConstraint("month", "sku", name="pk_sku_monthly_dirty"),
)

# Stock value-days and COGS per month, sku and warehouse (inventory turnover's source for whole months):
# recomputed with the daily snapshots, for each sku from the month of the first day they were recomputed from.
stock_monthly = Table(
    "stock_monthly",
    metadata,
    Column("month", Date, nullable=False),
    _code("sku"),
    _code("warehouse_code"),
    _num("value_days"),
    _num("cogs"),
    PrimaryKeyConstraint("month", "sku", "warehouse_code", name="pk_stock_monthly"),
)

# Customer credit per customer, issue day and due date of the invoices (handlers/customers.py): totals that do
# not depend on the report's period end, and the last day a payment was allocated to them (a report ending
# before it reads those invoices' facts instead). Recomputed for each (customer, issue day) an invoice, payment
# or void touched (`credit_daily_dirty`).
credit_daily = Table(
    "credit_daily",
    metadata,
    _code("customer_code"),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    _num("invoiced"),
    Column("invoices", Integer, nullable=False),
    _num("voided"),
    Column("voids", Integer, nullable=False),
    _num("paid"),
    _num("late_amount_days"),
    _num("outstanding"),
    Column("last_paid_day", Date),
    PrimaryKeyConstraint("customer_code", "issue_date", "due_date", name="pk_credit_daily"),
    Index("ix_credit_daily_issue_date", "issue_date"),
)

credit_daily_dirty = Table(
    "credit_daily_dirty",
    metadata,
    _code("customer_code"),
    Column("issue_date", Date, nullable=False),
    PrimaryKeyConstraint("customer_code", "issue_date", name="pk_credit_daily_dirty"),
)

CYCLE_PAIRS = ("placed_confirmed", "confirmed_shipped", "shipped_delivered", "delivered_paid", "placed_paid")
CYCLE_STEPS = ("confirmed", "shipped", "delivered", "paid")

# The order cycle per month of placement and channel (handlers/order_cycle.py): each pair of steps' count, p50
# and p90 hours (exactly as computed from the orders), the orders that reached each step's predecessor and those
# whose step came past its deadline (the deadlines they were computed with: other settings recompute them).
# Orders still waiting for a step are `order_cycle_pending` (they may pass their deadline as time goes on).
order_cycle_monthly = Table(
    "order_cycle_monthly",
    metadata,
    Column("month", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("orders", Integer, nullable=False),
    *itertools.chain.from_iterable(
        (Column(f"n_{p}", Integer, nullable=False), Column(f"p50_{p}", Double), Column(f"p90_{p}", Double))
        for p in CYCLE_PAIRS
    ),
    *itertools.chain.from_iterable(
        (
            Column(f"reached_{b}", Integer, nullable=False),
            Column(f"late_{b}", Integer, nullable=False),
            Column(f"deadline_{b}", Double, nullable=False),
        )
        for b in CYCLE_STEPS
    ),
    PrimaryKeyConstraint("month", "channel", name="pk_order_cycle_monthly"),
)

order_cycle_pending = Table(
    "order_cycle_pending",
    metadata,
    Column("month", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("order_no", String(64), nullable=False),
    Column("step", String(16), nullable=False),
    ts("since"),
    PrimaryKeyConstraint("order_no", "step", name="pk_order_cycle_pending"),
    Index("ix_order_cycle_pending_month", "month"),
)

order_cycle_dirty = Table(
    "order_cycle_dirty",
    metadata,
    Column("month", Date, primary_key=True),
)

# The last day the snapshots run to (one row): they are carried forward to each new business day.
snapshot_horizon = Table(
    "snapshot_horizon",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("through_day", Date, nullable=False),
)

# What was last published per supplier (SupplierScored), so an unchanged score is not published again.
published_scores = Table(
    "published_scores",
    metadata,
    Column("supplier_code", String(64), primary_key=True),
    Column("score", Numeric(5, 2), nullable=False),
    Column("standing", String(16), nullable=False),
    ts("published_at"),
)

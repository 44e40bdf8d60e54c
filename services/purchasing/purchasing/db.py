"""The purchasing database: suppliers and quotes, a product copy, requisitions, approvals, purchase orders,
their receipts/bills (for idempotency and progress), status history and anomalies."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from approvals.store import approval_tables
from servicekit.db import kit_tables, new_metadata, qty, ts
from servicekit.tabular import import_jobs_table

metadata = new_metadata()
kit = kit_tables(metadata)
import_jobs = import_jobs_table(metadata)
approval = approval_tables(metadata)


products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(200)),
    Column("reorder_qty", Numeric(18, 3), nullable=False, server_default="0"),
    ts("updated_at"),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("contacts", JSONB, nullable=False, server_default="[]"),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("score", Numeric(5, 2)),
    Column("tolerance_pct", Numeric(5, 2)),
    Column("price_tolerance_pct", Numeric(5, 2)),
    Column("active", Boolean, nullable=False, server_default="true"),
    ts("updated_at"),
)

# The score the analytics service publishes (SupplierScored); sourcing prefers it to the typed `suppliers.score`,
# which stays the fallback for a supplier without one. No foreign key: a score may arrive before its supplier.
supplier_scores = Table(
    "supplier_scores",
    metadata,
    Column("supplier_code", String(64), primary_key=True),
    Column("score", Numeric(5, 2), nullable=False),
    Column("standing", String(16), nullable=False),
    ts("scored_at"),
)

supplier_quotes = Table(
    "supplier_quotes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("supplier_code", String(64), ForeignKey("suppliers.code"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("unit_price", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("min_qty", Numeric(18, 3), nullable=False, server_default="0"),
    Column("lead_time_days", Integer, nullable=False),
    Column("tax_rate", Numeric(5, 4), nullable=False, server_default="0"),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    ts("created_at"),
    Index("ix_supplier_quotes_sku", "sku"),
)

category_tolerances = Table(
    "category_tolerances",
    metadata,
    Column("category", String(200), primary_key=True),
    Column("tolerance_pct", Numeric(5, 2), nullable=False),
    Column("price_tolerance_pct", Numeric(5, 2)),
)

requisitions = Table(
    "requisitions",
    metadata,
    Column("pr_no", String(64), primary_key=True),
    Column("requester", String(128), nullable=False),
    Column("department", String(200), nullable=False),
    Column("warehouse_code", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    # Set only on low-stock drafts: at most one open requisition per sku (the partial unique index below).
    Column("low_stock_sku", String(64)),
    Column("amount", Numeric(18, 2), nullable=False, server_default="0"),
    Column("currency", String(3), nullable=False, server_default="CNY"),
    Column("status_reason", Text),
    ts("created_at"),
    ts("updated_at"),
    ts("submitted_at", nullable=True),
    Index(
        "uq_requisitions_open_low_stock_sku",
        "low_stock_sku",
        unique=True,
        postgresql_where=text("status IN ('draft', 'submitted', 'approved') AND low_stock_sku IS NOT NULL"),
    ),
)

requisition_lines = Table(
    "requisition_lines",
    metadata,
    Column("pr_no", String(64), ForeignKey("requisitions.pr_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("qty", Numeric(18, 3), nullable=False),
    Column("needed_by", Date, nullable=False),
    Column("note", Text),
    Column("est_unit_price", Numeric(18, 2)),
    Column("supplier_override", String(64)),
    PrimaryKeyConstraint("pr_no", "line_no", name="pk_requisition_lines"),
    Index("ix_requisition_lines_sku", "sku"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_no", String(64), primary_key=True),
    Column("supplier_code", String(64), nullable=False),
    Column("pr_no", String(64)),
    Column("status", String(24), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("warehouse_code", String(64), nullable=False),
    Column("expected_date", Date, nullable=False),
    Column("tolerance_pct", Numeric(5, 2), nullable=False),
    # The supplier invoice price tolerance finance matches with (0: any price difference holds the bill).
    Column("price_tolerance_pct", Numeric(5, 2), nullable=False, server_default="0"),
    Column("net", Numeric(18, 2), nullable=False),
    Column("tax", Numeric(18, 2), nullable=False),
    Column("gross", Numeric(18, 2), nullable=False),
    Column("created_by", String(128), nullable=False),
    ts("created_at"),
    ts("updated_at"),
    ts("sent_at", nullable=True),
    ts("overdue_raised_at", nullable=True),
    # The board's filters and its "most recent first".
    Index("ix_purchase_orders_status", "status"),
    Index("ix_purchase_orders_supplier_code", "supplier_code"),
    Index("ix_purchase_orders_created_at", "created_at"),
    Index(
        "ix_purchase_orders_overdue_scan",
        "expected_date",
        postgresql_where=text("overdue_raised_at IS NULL AND status IN ('sent', 'shipped', 'partially_received')"),
    ),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_no", String(64), ForeignKey("purchase_orders.po_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("pr_line_no", Integer),
    Column("sku", String(64), nullable=False),
    Column("unit_price", Numeric(18, 2), nullable=False),
    Column("tax_rate", Numeric(5, 4), nullable=False, server_default="0"),
    Column("expected_date", Date, nullable=False),
    qty("qty_ordered"),
    qty("qty_shipped"),
    qty("qty_received"),  # accepted into stock
    qty("qty_rejected"),
    qty("qty_billed"),
    PrimaryKeyConstraint("po_no", "line_no", name="pk_purchase_order_lines"),
)

po_status_history = Table(
    "po_status_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("po_no", String(64), nullable=False, index=True),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("reason", Text),
    Column("actor", String(128), nullable=False),
    ts("at"),
)

# Effects already applied, by document: a GoodsReceived / bill seen twice (even under a new event id) counts once.
po_documents = Table(
    "po_documents",
    metadata,
    Column("kind", String(16), nullable=False),  # grn | bill | asn
    Column("ref", String(64), nullable=False),
    Column("po_no", String(64), nullable=False),
    ts("at"),
    PrimaryKeyConstraint("kind", "ref", name="pk_po_documents"),
)

po_anomalies = Table(
    "po_anomalies",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("po_no", String(64), nullable=False, index=True),
    Column("anomaly_type", String(32), nullable=False),
    # What makes it the same anomaly: "po" (overdue, short shipment), a grn_no, a bill_no.
    Column("subject", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("details", Text, nullable=False),
    Column("lines", JSONB, nullable=False, server_default="[]"),
    Column("grn_no", String(64)),
    Column("bill_no", String(64)),
    Column("status", String(16), nullable=False, server_default="open"),
    ts("raised_at"),
    ts("resolved_at", nullable=True),
    UniqueConstraint("po_no", "anomaly_type", "subject", name="uq_po_anomalies_subject"),
    # The board's red rows: the open anomalies of a purchase order, by type.
    Index("ix_po_anomalies_open", "po_no", "anomaly_type", postgresql_where=text("status = 'open'")),
)
# Closed purchase orders of the previous system, imported for reference and analysis (never run through the flow).
historical_purchase_orders = Table(
    "historical_purchase_orders",
    metadata,
    Column("po_no", String(64), primary_key=True),  # the number in the old system
    Column("supplier_code", String(64), nullable=False, index=True),
    Column("order_date", Date, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("net", Numeric(18, 2), nullable=False),
    Column("tax", Numeric(18, 2), nullable=False),
    Column("gross", Numeric(18, 2), nullable=False),
    Column("note", Text),
    Column("import_job", String(64), nullable=False),
    ts("imported_at"),
)
historical_po_lines = Table(
    "historical_po_lines",
    metadata,
    Column("po_no", String(64), ForeignKey("historical_purchase_orders.po_no", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("qty", Numeric(18, 3), nullable=False),
    Column("unit_price", Numeric(18, 2), nullable=False),
    Column("tax_rate", Numeric(5, 4), nullable=False),
    Column("net", Numeric(18, 2), nullable=False),
    Column("tax", Numeric(18, 2), nullable=False),
    PrimaryKeyConstraint("po_no", "line_no", name="pk_historical_po_lines"),
)

"""The sales database: customers, orders and their lines, status history, the order saga's state, what
sales records of shipments and invoices, and the approval engine's tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from approvals.store import approval_tables
from servicekit.db import kit_tables, new_metadata
from servicekit.tabular import import_jobs_table

metadata = new_metadata()
kit = kit_tables(metadata)
import_jobs = import_jobs_table(metadata)
approval = approval_tables(metadata)

MONEY = Numeric(18, 2)
QTY = Numeric(18, 3)
RATE = Numeric(5, 4)
TZ = DateTime(timezone=True)

customers = Table(
    "customers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("contact", String(200)),
    Column("phone", String(200)),
    Column("email", String(254)),
    Column("credit_limit", MONEY, nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", TZ, nullable=False, server_default=func.now()),
    Column("updated_at", TZ, nullable=False, server_default=func.now()),
)

orders = Table(
    "orders",
    metadata,
    Column("order_no", String(32), primary_key=True),
    Column("customer_code", String(64), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("external_ref", String(128)),
    Column("status", String(32), nullable=False, index=True),
    Column("rejection_reason", String(32)),
    Column("status_reason", Text),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("currency", String(3), nullable=False),
    Column("net", MONEY, nullable=False),
    Column("tax", MONEY, nullable=False),
    Column("gross", MONEY, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("allow_backorder", Boolean, nullable=False),
    Column("requested_date", Date),
    Column("warehouse_code", String(64)),
    Column("ship_to", JSONB),
    Column("note", Text),
    Column("payment_terms_days", Integer, nullable=False),
    Column("tracking_token", String(64), nullable=False),
    Column("placed_by", String(128)),
    Column("placed_at", TZ, nullable=False, index=True),
    Column("updated_at", TZ, nullable=False),
    Column("settled", Boolean, nullable=False, server_default="false"),
    Column("void_reason", Text),
    Column("voided_by", String(128)),
    Column("voided_at", TZ),
    # A voided order and the order that replaces it name each other.
    Column("replaced_by_order_no", String(32)),
    Column("replaces_order_no", String(32)),
    # A channel reference is the customer's own: two customers may use the same one.
    UniqueConstraint("customer_code", "channel", "external_ref", name="uq_orders_customer_channel_external_ref"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("qty", QTY, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("discount", RATE, nullable=False),
    Column("tax_rate", RATE, nullable=False),
    Column("net", MONEY, nullable=False),
    Column("tax", MONEY, nullable=False),
    Column("reserved_qty", QTY, nullable=False, server_default="0"),
    Column("shipped_qty", QTY, nullable=False, server_default="0"),
    PrimaryKeyConstraint("order_no", "line_no", name="pk_order_lines"),
)

# The lines of a revision an amendment replaced: restored when inventory refuses the amendment.
order_revisions = Table(
    "order_revisions",
    metadata,
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("created_at", TZ, nullable=False),
    PrimaryKeyConstraint("order_no", "revision", name="pk_order_revisions"),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("order_no", String(32), nullable=False, index=True),
    Column("from_status", String(32)),
    Column("to_status", String(32), nullable=False),
    Column("reason", Text),
    Column("actor", String(128)),
    Column("at", TZ, nullable=False),
)

# The order saga's state, changed in the transaction of the order change it belongs to.
sagas = Table(
    "sagas",
    metadata,
    Column("order_no", String(32), ForeignKey("orders.order_no"), primary_key=True),
    Column("step", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("deadline_at", TZ),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("stock_requested", Boolean, nullable=False, server_default="false"),
    Column("credit_requested", Boolean, nullable=False, server_default="false"),
    Column("awaiting_release", Boolean, nullable=False, server_default="false"),
    Column("awaiting_void", Boolean, nullable=False, server_default="false"),
    Column("steps", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("started_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("finished_at", TZ),
    Index("ix_sagas_deadline", "deadline_at", postgresql_where=text("deadline_at IS NOT NULL")),
)

shipments = Table(
    "shipments",
    metadata,
    Column("do_no", String(32), primary_key=True),
    Column("order_no", String(32), nullable=False, index=True),
    Column("warehouse_code", String(64)),
    Column("created_at", TZ),
    Column("picked_at", TZ),  # picking began and was not undone (un-picked): the order cannot be edited
    Column("shipped_at", TZ),
    Column("carrier", String(200)),
    Column("tracking_no", String(200)),
    Column("delivered_at", TZ),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_no", String(32), primary_key=True),
    Column("order_no", String(32), nullable=False, index=True),
    Column("do_no", String(32), nullable=False),
    Column("gross", MONEY, nullable=False),
    Column("outstanding", MONEY, nullable=False),
    Column("status", String(16), nullable=False),
    Column("issued_at", TZ, nullable=False),
)

# Returns (退货, RMA-) of shipped goods, per order line: authorized by sales, received and inspected by the
# warehouse (restocked or scrapped), credited by finance (its credit notes named in `credit_note_nos`).
returns = Table(
    "returns",
    metadata,
    Column("return_no", String(32), primary_key=True),
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # authorized → received
    Column("reason", Text, nullable=False),
    Column("warehouse_code", String(64)),
    Column("authorized_by", String(128)),
    Column("authorized_at", TZ, nullable=False),
    Column("received_at", TZ),
    Column("credit_note_nos", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_no", String(32), ForeignKey("returns.return_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("qty", QTY, nullable=False),
    Column("restocked_qty", QTY, nullable=False, server_default="0"),
    Column("scrapped_qty", QTY, nullable=False, server_default="0"),
    PrimaryKeyConstraint("return_no", "line_no", name="pk_return_lines"),
)

# Each product's category (from inventory's ProductUpserted): the category-scoped approval rules need it.
product_categories = Table(
    "product_categories",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("category", String(200)),
    Column("updated_at", TZ, nullable=False),
)

# Closed orders of the system before this one, imported for statements and analysis (servicekit.tabular): kept
# apart from `orders`, never run through the saga, never published (see docs/import-export.md).
historical_orders = Table(
    "historical_orders",
    metadata,
    Column("order_no", String(64), primary_key=True),  # the number in the old system
    Column("customer_code", String(64), nullable=False, index=True),
    Column("order_date", Date, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("net", MONEY, nullable=False),
    Column("tax", MONEY, nullable=False),
    Column("gross", MONEY, nullable=False),
    Column("note", Text),
    Column("import_job", String(64), nullable=False),
    Column("imported_at", TZ, nullable=False),
)

historical_order_lines = Table(
    "historical_order_lines",
    metadata,
    Column("order_no", String(64), ForeignKey("historical_orders.order_no", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("qty", QTY, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("discount", RATE, nullable=False),
    Column("tax_rate", RATE, nullable=False),
    Column("net", MONEY, nullable=False),
    Column("tax", MONEY, nullable=False),
    PrimaryKeyConstraint("order_no", "line_no", name="pk_historical_order_lines"),
)

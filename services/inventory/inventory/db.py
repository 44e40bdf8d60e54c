"""The inventory database: products, stock and its ledger, reservations, backorders, outbound orders,
local copies of sent purchase orders, goods receipts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from servicekit.db import kit_tables, new_metadata
from servicekit.tabular import import_jobs_table

metadata = new_metadata()
kit = kit_tables(metadata)
import_jobs = import_jobs_table(metadata)


def _qty(name: str, **kw: Any) -> Column[Any]:
    return Column(name, Numeric(18, 3), **kw)


def _created() -> Column[Any]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("category", String(200)),
    _qty("reorder_point", nullable=False, server_default="0"),
    _qty("reorder_qty", nullable=False, server_default="0"),
    Column("avg_cost", Numeric(18, 4), nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="true"),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

product_barcodes = Table(
    "product_barcodes",
    metadata,
    Column("barcode", String(64), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku", ondelete="CASCADE"), nullable=False, index=True),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    _created(),
)

stock = Table(
    "stock",
    metadata,
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
    Column("warehouse_code", String(64), ForeignKey("warehouses.code"), nullable=False),
    _qty("on_hand", nullable=False, server_default="0"),
    _qty("reserved", nullable=False, server_default="0"),
    # Armed/disarmed state of the low-stock alert: set when LowStockDetected was emitted, cleared above it.
    Column("low_stock", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("sku", "warehouse_code", name="pk_stock"),
    CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    CheckConstraint("reserved <= on_hand", name="available_non_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(64), nullable=False),
    _qty("qty_delta", nullable=False),
    Column("movement_type", String(32), nullable=False),
    Column("reason_code", String(32)),
    Column("reason", Text),
    Column("reference", String(64)),
    Column("unit_cost", Numeric(18, 4)),
    Column("actor", String(128)),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("qty_delta <> 0", name="qty_delta_non_zero"),
    Index("ix_stock_movements_sku_wh", "sku", "warehouse_code", "id"),
)

order_reservations = Table(
    "order_reservations",
    metadata,
    Column("order_no", String(64), primary_key=True),
    Column("warehouse_code", String(64)),
    Column("priority", Integer, nullable=False, server_default="5"),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

reservations = Table(
    "reservations",
    metadata,
    Column("order_no", String(64), ForeignKey("order_reservations.order_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(64), nullable=False),
    _qty("qty", nullable=False),
    PrimaryKeyConstraint("order_no", "line_no", "warehouse_code", name="pk_reservations"),
    CheckConstraint("qty > 0", name="qty_positive"),
    Index("ix_reservations_sku_wh", "sku", "warehouse_code"),
)

backorders = Table(
    "backorders",
    metadata,
    Column("order_no", String(64), ForeignKey("order_reservations.order_no"), primary_key=True),
    Column("priority", Integer, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("warehouse_code", String(64)),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Index("ix_backorders_queue", "priority", "placed_at"),
)

backorder_lines = Table(
    "backorder_lines",
    metadata,
    Column("order_no", String(64), ForeignKey("backorders.order_no", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    _qty("qty", nullable=False),
    PrimaryKeyConstraint("order_no", "line_no", name="pk_backorder_lines"),
)

outbound_orders = Table(
    "outbound_orders",
    metadata,
    Column("do_no", String(64), primary_key=True),
    Column("order_no", String(64), nullable=False, index=True),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("warehouse_code", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("ship_to", JSONB),
    Column("carrier", String(200)),
    Column("tracking_no", String(200)),
    Column("batch_no", String(64)),
    Column("signed_by", String(200)),
    Column("cancel_reason", Text),
    _created(),
    Column("shipped_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    UniqueConstraint("order_no", "warehouse_code", "revision", name="uq_outbound_orders_order_wh_rev"),
    Index("ix_outbound_orders_status", "status"),
)

outbound_lines = Table(
    "outbound_lines",
    metadata,
    Column("do_no", String(64), ForeignKey("outbound_orders.do_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    _qty("qty", nullable=False),
    _qty("picked_qty", nullable=False, server_default="0"),
    PrimaryKeyConstraint("do_no", "line_no", name="pk_outbound_lines"),
    CheckConstraint("picked_qty >= 0 AND picked_qty <= qty", name="picked_within_ordered"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_no", String(64), primary_key=True),
    Column("supplier_code", String(64), nullable=False),
    Column("warehouse_code", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tolerance_pct", Numeric(5, 2), nullable=False),
    Column("expected_date", Date),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_no", String(64), ForeignKey("purchase_orders.po_no", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    _qty("qty", nullable=False),
    Column("unit_price", Numeric(18, 2), nullable=False),
    _qty("qty_received", nullable=False, server_default="0"),
    _qty("qty_rejected", nullable=False, server_default="0"),
    PrimaryKeyConstraint("po_no", "line_no", name="pk_purchase_order_lines"),
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    Column("grn_no", String(64), primary_key=True),
    Column("po_no", String(64), index=True),
    Column("supplier_code", String(64)),
    Column("warehouse_code", String(64), ForeignKey("warehouses.code"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("created_by", String(128), nullable=False),
    _created(),
    Column("posted_by", String(128)),
    Column("posted_at", DateTime(timezone=True)),
    Column("override_by", String(128)),
)

goods_receipt_lines = Table(
    "goods_receipt_lines",
    metadata,
    Column("grn_no", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("po_line_no", Integer),
    Column("sku", String(64), nullable=False),
    _qty("qty_received", nullable=False, server_default="0"),
    _qty("qty_rejected", nullable=False, server_default="0"),
    Column("reject_reason", Text),
    Column("unit_cost", Numeric(18, 4), nullable=False),
    PrimaryKeyConstraint("grn_no", "line_no", name="pk_goods_receipt_lines"),
    ForeignKeyConstraint(["grn_no"], ["goods_receipts.grn_no"], name="fk_goods_receipt_lines_grn"),
    UniqueConstraint("grn_no", "sku", "po_line_no", name="uq_goods_receipt_lines_grn_sku_po_line"),
    CheckConstraint("qty_rejected >= 0 AND qty_rejected <= qty_received", name="rejected_within_received"),
)

stocktakes = Table(
    "stocktakes",
    metadata,
    Column("stocktake_no", String(64), primary_key=True),
    Column("warehouse_code", String(64), ForeignKey("warehouses.code"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("threshold_pct", Numeric(5, 2), nullable=False),
    Column("opened_by", String(128), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    Column("approved_by", String(128)),
    Column("approved_at", DateTime(timezone=True)),
)

stocktake_lines = Table(
    "stocktake_lines",
    metadata,
    Column("stocktake_no", String(64), ForeignKey("stocktakes.stocktake_no"), nullable=False),
    Column("sku", String(64), nullable=False),
    _qty("expected_qty", nullable=False),
    _qty("counted_qty"),
    PrimaryKeyConstraint("stocktake_no", "sku", name="pk_stocktake_lines"),
)

# Returns (退货, RMA-) sales authorized: the goods expected back per order line, at the cost they left with; once
# received, what of each line was restocked and what scrapped.
returns = Table(
    "returns",
    metadata,
    Column("return_no", String(64), primary_key=True),
    Column("order_no", String(64), nullable=False, index=True),
    Column("customer_code", String(64), nullable=False),
    Column("warehouse_code", String(64)),
    Column("status", String(16), nullable=False),  # authorized → received
    Column("reason", Text, nullable=False),
    Column("authorized_at", DateTime(timezone=True), nullable=False),
    Column("received_by", String(128)),
    Column("received_at", DateTime(timezone=True)),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_no", String(64), ForeignKey("returns.return_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    _qty("qty", nullable=False),
    Column("unit_cost", Numeric(18, 4), nullable=False),
    _qty("restocked_qty", nullable=False, server_default="0"),
    _qty("scrapped_qty", nullable=False, server_default="0"),
    Column("note", Text),
    PrimaryKeyConstraint("return_no", "line_no", name="pk_return_lines"),
)

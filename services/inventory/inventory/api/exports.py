"""Inventory's file endpoints: the import router (products, opening stock), the export columns of its lists, and
the stock ledger across skus (the list a ledger export needs: every movement, filtered, streamed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from inventory.api.deps import Reader
from inventory.config import RuntimeDep
from inventory.db import import_jobs, outbound_orders, product_barcodes, products, stock_movements
from inventory.handlers import imports as imported
from inventory.handlers.imports import KINDS
from servicekit.tabular import ExportColumn, FormatQuery, columns, export_query, import_router
from servicekit.tabular.export import export_rows

imports = import_router(KINDS, import_jobs)
router = APIRouter(tags=["stock"])

# The import's columns (an export is a filled-in template), and the average cost.
PRODUCTS = imported.PRODUCTS.export_columns(ExportColumn("avg_cost", "平均成本", "Average cost"))
WAREHOUSES = columns(("code", "仓库编码", "Warehouse"), ("name", "仓库名称", "Name"), ("active", "启用", "Active"))
STOCK = columns(
    ("sku", "产品编码", "SKU"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("on_hand", "在库", "On hand"),
    ("reserved", "已预留", "Reserved"),
    ("available", "可用", "Available"),
    ("low_stock", "低库存", "Low stock"),
)
LEDGER = columns(
    ("id", "流水号", "Movement id"),
    ("at", "时间", "At (UTC)"),
    ("sku", "产品编码", "SKU"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("movement_type", "类型", "Type"),
    ("qty_delta", "数量变动", "Qty change"),
    ("unit_cost", "单位成本", "Unit cost"),
    ("reason_code", "原因代码", "Reason code"),
    ("reason", "原因", "Reason"),
    ("reference", "单据", "Reference"),
    ("actor", "操作人", "By"),
)
BACKORDERS = columns(
    ("order_no", "销售订单", "Order"),
    ("priority", "优先级", "Priority"),
    ("placed_at", "下单时间", "Placed (UTC)"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("queued_at", "排队时间", "Queued (UTC)"),
    ("line_no", "行号", "Line"),
    ("sku", "产品编码", "SKU"),
    ("qty", "数量", "Quantity"),
)
OUTBOUND = columns(
    ("do_no", "出库单号", "Delivery order"),
    ("order_no", "销售订单", "Order"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("status", "状态", "Status"),
    ("priority", "优先级", "Priority"),
    ("carrier", "承运商", "Carrier"),
    ("tracking_no", "运单号", "Tracking no"),
    ("created_at", "创建时间", "Created (UTC)"),
    ("shipped_at", "发货时间", "Shipped (UTC)"),
    ("delivered_at", "签收时间", "Delivered (UTC)"),
)


def with_barcodes(query: Select[Any]) -> Select[Any]:
    codes = (
        select(func.array_agg(aggregate_order_by(product_barcodes.c.barcode, product_barcodes.c.barcode)))
        .where(product_barcodes.c.sku == products.c.sku)
        .scalar_subquery()
    )
    return query.add_columns(codes.label("barcodes"))


def outbound_query(filters: dict[str, str], statuses: list[str] | None = None) -> Select[Any]:
    query = select(outbound_orders).order_by(outbound_orders.c.do_no.desc())
    for name, value in filters.items():
        query = query.where(outbound_orders.c[name] == value)
    if statuses:
        query = query.where(outbound_orders.c.status.in_(statuses))
    return query


def warehouses_export(rows: list[dict[str, Any]], fmt: Any) -> Any:
    return export_rows(rows, WAREHOUSES, fmt=fmt, name="warehouses")


@router.get("/stock-ledger")
async def stock_ledger(
    runtime: RuntimeDep,
    _: Reader,
    sku: str | None = None,
    warehouse_code: str | None = None,
    movement_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: FormatQuery = None,
) -> Any:
    """Every stock movement (oldest first), filtered; pages by `after_id`, or the whole of it as a file."""
    m = stock_movements
    query = select(m).where(m.c.id > after_id).order_by(m.c.id)
    for column, value in ((m.c.sku, sku), (m.c.warehouse_code, warehouse_code), (m.c.movement_type, movement_type)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(m.c.at >= since)
    if until is not None:
        query = query.where(m.c.at < until)
    if format:
        return export_query(runtime.db, query, LEDGER, fmt=format, name="stock-ledger")
    async with runtime.db.transaction() as session:
        return [dict(r) for r in (await session.execute(query.limit(limit))).mappings()]

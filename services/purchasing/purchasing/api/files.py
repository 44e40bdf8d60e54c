"""Purchasing's file endpoints: the import router (suppliers, quotes) and the exports of requisitions and
purchase orders (their list queries, unpaged, streamed)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import Select

from purchasing.db import import_jobs
from purchasing.handlers.imports import KINDS
from servicekit.db import Database
from servicekit.tabular import ExportColumn, ExportFormat, columns, export_query, import_router

router = import_router(KINDS, import_jobs)

REQUISITIONS = columns(
    ("pr_no", "申请单号", "Requisition"),
    ("status", "状态", "Status"),
    ("requester", "申请人", "Requester"),
    ("department", "部门", "Department"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("source", "来源", "Source"),
    ("amount", "金额", "Amount"),
    ("currency", "币种", "Currency"),
    ("created_at", "创建时间", "Created (UTC)"),
)
PURCHASE_ORDERS = (
    *columns(
        ("po_no", "采购单号", "Purchase order"),
        ("status", "状态", "Status"),
        ("supplier_code", "供应商编码", "Supplier"),
        ("pr_no", "申请单号", "Requisition"),
        ("warehouse_code", "仓库编码", "Warehouse"),
        ("expected_date", "预计到货", "Expected date"),
        ("net", "不含税金额", "Net"),
        ("tax", "税额", "Tax"),
        ("gross", "含税金额", "Gross"),
        ("currency", "币种", "Currency"),
        ("payment_terms_days", "账期天数", "Payment terms (days)"),
        ("created_at", "创建时间", "Created (UTC)"),
    ),
    ExportColumn("n", "未处理异常", "Open anomalies"),
)


def export_requisitions(db: Database, query: Select[Any], fmt: ExportFormat) -> StreamingResponse:
    return export_query(db, query, REQUISITIONS, fmt=fmt, name="requisitions")


def export_purchase_orders(db: Database, query: Select[Any], fmt: ExportFormat) -> StreamingResponse:
    return export_query(db, query, PURCHASE_ORDERS, fmt=fmt, name="purchase-orders")

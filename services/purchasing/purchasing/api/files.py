"""Purchasing's file endpoints: the import router (suppliers, quotes, historical purchase orders), the exports of
requisitions and purchase orders (their list queries, unpaged, streamed), and the list of historical ones."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Select

from purchasing.db import import_jobs
from purchasing.handlers.history import DOCUMENTS, HISTORICAL_PURCHASE_ORDERS
from purchasing.handlers.imports import KINDS
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.db import Database
from servicekit.tabular import ExportColumn, ExportFormat, FormatQuery, columns, export_query, import_router

router = import_router(KINDS, import_jobs)
history = APIRouter(tags=["purchase orders"])
Reader = Annotated[
    Principal, Depends(require("purchaser", "purchasing_manager", "finance", "finance_manager", read=True))
]

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


HISTORICAL = DOCUMENTS.export_columns(HISTORICAL_PURCHASE_ORDERS)


@history.get("/historical-purchase-orders")
async def list_historical_purchase_orders(
    runtime: RuntimeDep,
    _: Reader,
    supplier_code: str | None = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: FormatQuery = None,
) -> Any:
    """Imported closed purchase orders of the previous system (headers; a file export has one row per line)."""
    return await DOCUMENTS.answer(
        runtime.db, supplier_code, start, end, limit=limit, fmt=format, columns=HISTORICAL,
        name="historical-purchase-orders",
    )  # fmt: skip

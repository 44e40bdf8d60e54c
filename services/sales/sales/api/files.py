"""Sales' file endpoints: the import router (customers, historical orders), the export columns of the order
list, and the list of imported historical orders."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from sales.config import RuntimeDep
from sales.db import import_jobs
from sales.handlers.history import DOCUMENTS, HISTORICAL_ORDERS
from sales.handlers.imports import KINDS
from servicekit.auth import Principal, require
from servicekit.tabular import FormatQuery, columns, import_router

imports = import_router(KINDS, import_jobs)
router = APIRouter(tags=["orders"])
Reader = Annotated[Principal, Depends(require("sales", "sales_manager", "finance", "finance_manager", read=True))]

ORDERS = columns(
    ("order_no", "订单号", "Order no"),
    ("status", "状态", "Status"),
    ("customer_code", "客户编码", "Customer"),
    ("channel", "渠道", "Channel"),
    ("external_ref", "外部单号", "External ref"),
    ("gross", "含税金额", "Gross"),
    ("currency", "币种", "Currency"),
    ("priority", "优先级", "Priority"),
    ("requested_date", "要求交期", "Requested date"),
    ("placed_at", "下单时间", "Placed (UTC)"),
    ("saga_step", "流程步骤", "Saga step"),
    ("saga_status", "流程状态", "Saga status"),
    ("late", "逾期或卡住", "Late or stuck"),
)
HISTORICAL = DOCUMENTS.export_columns(HISTORICAL_ORDERS)


@router.get("/historical-orders")
async def list_historical_orders(
    runtime: RuntimeDep,
    _: Reader,
    customer_code: str | None = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: FormatQuery = None,
) -> Any:
    """Imported closed orders of the previous system (headers; a file export has one row per line)."""
    return await DOCUMENTS.answer(
        runtime.db, customer_code, start, end, limit=limit, fmt=format, columns=HISTORICAL, name="historical-orders"
    )

"""What every report endpoint shares: the filters, the settings, the unit of work, and the answer as JSON (decimal
strings) or a file (CSV or .xlsx)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.config import AnalyticsSettings
from analytics.domain import Filters, PeriodError, business_day, parse_period
from servicekit.errors import InputError
from servicekit.runtime import Runtime
from servicekit.tabular import ExportColumn, export_rows

Code = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="csv or xlsx: the report's main table as a file")]


def settings_of(request: Request) -> AnalyticsSettings:
    settings: AnalyticsSettings = request.app.state.settings
    return settings


Settings = Annotated[AnalyticsSettings, Depends(settings_of)]


async def session_of(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = request.app.state.runtime
    async with runtime.db.transaction() as session:
        yield session


Session = Annotated[AsyncSession, Depends(session_of)]


def today_of(request: Request) -> date:
    runtime: Runtime = request.app.state.runtime
    return business_day(runtime.clock.now(), settings_of(request).tz)


def now_of(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


Today = Annotated[date, Depends(today_of)]
Now = Annotated[datetime, Depends(now_of)]


def filters(
    today: Today,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2})?$", description="YYYY or YYYY-MM")] = None,
    start: Annotated[date | None, Query(alias="from", description="first day (company time zone)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, inclusive")] = None,
    warehouse: Code = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    sku: Code = None,
    supplier: Code = None,
    customer: Code = None,
) -> Filters:
    try:
        p = parse_period(period, start, end, today)
    except PeriodError as exc:
        raise InputError("period" if period else "from", str(exc)) from exc
    if p.days > 3 * 366:
        raise InputError("from", "a report covers at most three years")
    return Filters(p, warehouse, category, sku, supplier, customer)


ReportFilters = Annotated[Filters, Depends(filters)]


def wire(value: Any) -> Any:
    """Decimals as fixed-point strings (never floats), dates ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, list):
            out[f"{prefix}{k}"] = "; ".join(str(x) for x in v)
        else:
            out[f"{prefix}{k}"] = v
    return out


LABELS = {
    "month": "月份", "sku": "产品编码", "category": "类别", "warehouse": "仓库", "supplier_code": "供应商编码",
    "customer_code": "客户编码", "name": "名称", "channel": "渠道", "rank": "排名", "qty": "数量",
    "revenue": "销售额", "purchases_received": "采购入库", "purchases_billed": "采购发票", "sales_invoiced": "销售开票",
    "cogs": "销售成本", "gross_margin": "毛利", "gross_margin_pct": "毛利率%", "on_hand": "在库",
    "stock_value": "库存金额", "last_sale": "最后销售", "days_since_last_sale": "未销售天数",
    "average_inventory_value": "平均库存金额", "turnover_days": "周转天数", "days": "天数",
    "on_time_pct": "准时率%", "fill_pct": "满足率%", "rejection_pct": "拒收率%", "price_variance_pct": "价差%",
    "actual_lead_days": "实际交期天数", "quoted_lead_days": "报价交期天数", "score": "评分", "typed_score": "录入评分",
    "standing": "等级", "grade": "信用等级", "reasons": "原因", "avg_days_late": "平均逾期天数",
    "overdue_pct": "逾期占比%", "invoices": "发票数", "invoiced": "开票金额", "paid": "已收", "outstanding": "未收",
    "overdue": "逾期", "voids": "作废", "voided": "作废金额", "cancelled_orders": "取消订单",
    "credit_limit": "信用额度",
    "orders": "订单数", "steps": "环节", "stuck": "超时", "past_deadline": "超时数", "share_pct": "占比%",
    "deadline_hours": "时限小时", "p50_hours": "中位小时", "p90_hours": "P90小时", "count": "数量",
    "confirmed": "确认", "shipped": "发货", "delivered": "签收", "placed_to_paid": "下单到收款",
}  # fmt: skip


def _header(key: str) -> ExportColumn:
    """`steps.confirmed.p50_hours` → 环节.确认.中位小时 / steps.confirmed.p50_hours."""
    return ExportColumn(key, ".".join(LABELS.get(part, part) for part in key.split(".")), key)


def answer(report: dict[str, Any], fmt: str, table: str, name: str) -> Response:
    """JSON, or the report's main table as a file through the shared export mechanism (CSV with BOM, or .xlsx)."""
    if fmt == "json":
        return JSONResponse(wire(report))
    rows = [_flat(r) for r in report[table]]
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return export_rows(rows, [_header(k) for k in keys], fmt="xlsx" if fmt == "xlsx" else "csv", name=name)

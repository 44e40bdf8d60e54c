"""GET /api/v1/reports/...: every report with the period, warehouse, category, sku, supplier and customer filters,
as JSON or `format=csv`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from analytics.api.deps import Format, Now, ReportFilters, Session, Settings, Today, answer, wire
from analytics.config import RuntimeDep
from analytics.domain import ScoreWeights
from analytics.handlers import customers, order_cycle, purchase_sales, snapshots, stock_reports, suppliers
from analytics.handlers.scores import publish_scores
from servicekit.auth import Principal, require
from servicekit.unit import unit_of

router = APIRouter(prefix="/reports", tags=["reports"])

Managers = Annotated[
    Principal, Depends(require("purchasing_manager", "sales_manager", "finance", "finance_manager", read=True))
]
Stock = Annotated[
    Principal,
    Depends(require("purchaser", "purchasing_manager", "sales_manager", "warehouse", "finance_manager", read=True)),
]
Purchasing = Annotated[Principal, Depends(require("purchaser", "purchasing_manager", "finance_manager", read=True))]
Credit = Annotated[Principal, Depends(require("finance", "finance_manager", "sales_manager", read=True))]
Cycle = Annotated[Principal, Depends(require("sales", "sales_manager", "warehouse", "finance_manager", read=True))]
Publisher = Annotated[Principal, Depends(require("purchasing_manager"))]


def weights(settings: Settings) -> ScoreWeights:
    return ScoreWeights(
        settings.score_weight_on_time, settings.score_weight_fill, settings.score_weight_quality,
        settings.score_weight_price,
    )  # fmt: skip


@router.get("/purchase-vs-sales", summary="Monthly purchases vs sales, COGS, gross margin, price changes")
async def purchase_vs_sales(
    _: Managers, f: ReportFilters, session: Session, settings: Settings, format: Format = "json"
) -> Response:
    report = await purchase_sales.monthly_purchase_vs_sales(session, f, settings.price_change_threshold_pct)
    return answer(report, format, "lines", "purchase-vs-sales")


@router.get("/movers", summary="Top-moving products by quantity or revenue; slow movers (滞销)")
async def movers(
    _: Stock,
    f: ReportFilters,
    session: Session,
    settings: Settings,
    today: Today,
    by: Literal["qty", "revenue"] = "qty",
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    slow_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    format: Format = "json",
) -> Response:
    await snapshots.refresh(session, today)
    report = await stock_reports.movers(session, f, by, limit, slow_days or settings.slow_moving_days)
    return answer(report, format, "top", "movers")


@router.get("/turnover", summary="Inventory turnover days per sku, category or warehouse")
async def turnover(
    _: Stock,
    f: ReportFilters,
    session: Session,
    today: Today,
    group: Literal["sku", "category", "warehouse"] = "sku",
    format: Format = "json",
) -> Response:
    await snapshots.refresh(session, today)
    return answer(await stock_reports.turnover(session, f, group), format, "rows", "turnover")


@router.get("/supplier-scorecard", summary="Supplier scorecard: on-time, fill, price variance, rejections, lead time")
async def supplier_scorecard(
    _: Purchasing, f: ReportFilters, session: Session, settings: Settings, today: Today, format: Format = "json"
) -> Response:
    report = await suppliers.scorecard(session, f, weights(settings), today)
    return answer(report, format, "suppliers", "supplier-scorecard")


@router.post("/supplier-scorecard/publish", summary="Publish the suppliers' scores now (SupplierScored)")
async def publish(
    who: Publisher, session: Session, runtime: RuntimeDep, settings: Settings, today: Today
) -> JSONResponse:
    async with unit_of(session, runtime, who.sub) as unit:
        published = await publish_scores(unit, weights(settings), settings.score_window_days, today)
    return JSONResponse(wire({"published": published}))


@router.get("/customer-credit", summary="Customer credit score (advisory): punctuality, overdue, volume, voids")
async def customer_credit(
    _: Credit, f: ReportFilters, session: Session, settings: Settings, format: Format = "json"
) -> Response:
    report = await customers.credit_scores(session, f, settings.company_timezone)
    return answer(report, format, "customers", "customer-credit")


@router.get("/order-cycle", summary="Order cycle p50/p90 per month and channel; share stuck past each deadline")
async def cycle(
    _: Cycle, f: ReportFilters, session: Session, settings: Settings, now: Now, format: Format = "json"
) -> Response:
    report = await order_cycle.order_cycle(session, f, settings.company_timezone, settings.deadlines, now)
    return answer(report, format, "groups", "order-cycle")

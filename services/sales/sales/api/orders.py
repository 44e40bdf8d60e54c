"""The order API: place (sales, channels), read (sales roles, finance, auditor), amend / cancel / void
(sales), approve / reject (sales_manager)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from sales import queries
from sales.api.files import ORDERS
from sales.api.schemas import (
    Comment,
    LineIn,
    OrderAmend,
    OrderCreate,
    OrderDetail,
    OrderListItem,
    OrderRead,
    QuoteRead,
    QuoteRequest,
    Reason,
    StatusCounts,
    VoidRequest,
)
from sales.config import RuntimeDep, SalesUnit
from sales.db import kit
from sales.domain import STATUSES, Line, totals_of
from sales.handlers import changes
from sales.handlers.placing import Checked, NewOrder, Placed, check_order, number_lines, place_order
from sales.store import Loaded, line_values
from servicekit import audit
from servicekit.audit import AuditEntry
from servicekit.auth import Principal, require
from servicekit.errors import InputError, NotFoundError
from servicekit.idempotency import respond_json_idempotently
from servicekit.inputs import Offset
from servicekit.openapi import conflicts
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["orders"])
Seller = Annotated[Principal, Depends(require("sales", "sales_manager"))]
Manager = Annotated[Principal, Depends(require("sales_manager"))]
Reader = Annotated[Principal, Depends(require("sales", "sales_manager", "finance", "finance_manager", read=True))]


def _lines(items: list[LineIn]) -> list[Line]:
    return number_lines([(x.line_no, x.sku, x.qty, x.unit_price, x.discount, x.tax_rate) for x in items])


_NONE = Decimal("0.000")


def _placed_json(placed: Placed) -> dict[str, Any]:
    assert placed.order is not None
    lines = [{**v, "reserved_qty": _NONE, "shipped_qty": _NONE} for v in line_values(placed.order_no, placed.lines)]
    order = {**placed.order, "rejection_reason": None, "status_reason": None, "void_reason": None}
    data = {**order, "totals": {k: order[k] for k in ("net", "tax", "gross")}, "lines": lines}
    encoded: dict[str, Any] = OrderRead.model_validate(data).model_dump(mode="json")
    return encoded


async def _view(session: AsyncSession, order_no: str) -> dict[str, Any]:
    data = await queries.order_view(session, order_no)
    if data is None:
        raise NotFoundError("order", order_no)
    encoded: dict[str, Any] = OrderRead.model_validate(data).model_dump(mode="json")
    return encoded


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderRead,
    responses={
        200: {"model": OrderRead, "description": "the customer placed this order under this channel reference before"},
        **conflicts("external_ref_conflict"),
    },
)
async def create_order(
    body: OrderCreate,
    runtime: RuntimeDep,
    principal: Seller,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    new = NewOrder(
        customer_code=body.customer_code,
        channel=body.channel,
        external_ref=body.external_ref,
        lines=_lines(body.lines),
        priority=body.priority,
        allow_backorder=body.allow_backorder,
        requested_date=body.requested_date,
        warehouse_code=body.warehouse_code,
        ship_to=body.ship_to,
        note=body.note,
        currency=body.currency,
    )

    checked: Checked | None = None
    if idempotency_key is None:
        # The usual order (no approval to start) is written by ONE statement, atomic by itself: it runs outside a
        # transaction block, two round trips fewer on the hottest endpoint (see Database.autocommit).
        async with runtime.db.autocommit() as session, unit_of(session, runtime, principal.sub) as tx:
            checked = await check_order(tx, new)
            if checked.one_statement:
                placed = await place_order(tx, new, checked)
                status, payload = await _placed_response(session, placed)
                return JSONResponse(payload, status_code=status)

    async def operation(session: AsyncSession) -> tuple[int, Any]:
        async with unit_of(session, runtime, principal.sub) as tx:
            placed = await place_order(tx, new, checked)
        return await _placed_response(session, placed)

    # Both payloads are OrderRead's JSON already: sent as they are (the hottest endpoint).
    return await respond_json_idempotently(
        runtime,
        key=idempotency_key,
        principal=principal.sub,
        endpoint="POST /orders",
        body=body,
        operation=operation,
    )


async def _placed_response(session: AsyncSession, placed: Placed) -> tuple[int, Any]:
    """The status and body: the new order (201), or the order already placed under the reference (200)."""
    if placed.created:
        return 201, _placed_json(placed)
    return 200, await _view(session, placed.order_no)


def _order_filter(
    status: Annotated[list[str] | None, Query()] = None,
    customer_code: str | None = None,
    placed_from: Annotated[date | None, Query(description="UTC date")] = None,
    placed_to: Annotated[date | None, Query(description="UTC date, inclusive")] = None,
    placed_after: Annotated[AwareDatetime | None, Query(description="an instant, e.g. midnight in Shanghai")] = None,
    placed_before: AwareDatetime | None = None,
    stuck_or_late: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
    sort: Annotated[queries.Sort, Query(description="a field, '-' first for descending")] = "-placed_at",
) -> queries.OrderFilter:
    for s in status or []:
        if s not in STATUSES:
            raise InputError("status", f"unknown status {s}")
    return queries.OrderFilter(status or [], customer_code, placed_from, placed_to, stuck_or_late, limit, offset,
                               sort, placed_after, placed_before)  # fmt: skip


FilterDep = Annotated[queries.OrderFilter, Depends(_order_filter)]


@router.post("/orders/quote", response_model=QuoteRead)
async def quote_order(body: QuoteRequest, _: Seller) -> Any:
    """The lines' net and tax and the totals, by the rules that price an order (half-up to cents); nothing is
    stored. The order form shows these, never its own arithmetic."""
    lines = _lines(body.lines)
    totals = totals_of(lines)
    return {
        "currency": body.currency,
        "lines": [{"line_no": x.line_no, "sku": x.sku, "net": x.net, "tax": x.tax} for x in lines],
        "totals": {"net": totals.net, "tax": totals.tax, "gross": totals.gross},
    }


@router.get("/orders", response_model=list[OrderListItem])
async def list_orders(runtime: RuntimeDep, _: Reader, f: FilterDep, format: FormatQuery = None) -> Any:
    """The orders of the filter, a page at a time, each with its progress steps and why it is in trouble
    (`stuck`: a saga step past its deadline; `overdue`: the requested date passed unshipped;
    `rejection_reason`, `status_reason`)."""
    if format:
        return export_query(runtime.db, queries.orders_query(f, runtime.clock.now()), ORDERS, fmt=format, name="orders")
    async with runtime.db.transaction() as session:
        return await queries.list_orders(session, f, runtime.clock.now())


@router.get("/orders/status-counts", response_model=StatusCounts)
async def order_status_counts(runtime: RuntimeDep, _: Reader, f: FilterDep) -> Any:
    """How many orders of the filter (its status ignored) are in each status: the board's column counts."""
    async with runtime.db.transaction() as session:
        return {"counts": await queries.status_counts(session, f, runtime.clock.now())}


@router.get("/orders/{order_no}", response_model=OrderDetail)
async def get_order(order_no: str, runtime: RuntimeDep, _: Reader) -> Any:
    async with runtime.db.transaction() as session:
        data = await queries.order_detail(session, order_no)
    if data is None:
        raise NotFoundError("order", order_no)
    return data


@router.get("/orders/{order_no}/audit", response_model=list[AuditEntry])
async def order_audit(order_no: str, runtime: RuntimeDep, _: Reader) -> Any:
    """Who changed the order, when, from what to what (placement, amendments, cancellation, void, decisions)."""
    async with runtime.db.transaction() as session:
        if await queries.order_view(session, order_no) is None:
            raise NotFoundError("order", order_no)
        return await audit.trail(session, kit, "sales_order", order_no)


async def _change(runtime: RuntimeDep, principal: Principal, change: Any) -> Any:
    async with runtime.db.transaction() as session:
        async with unit_of(session, runtime, principal.sub) as tx:
            o: Loaded = await change(tx)
        return await _view(session, o.no)


@router.put("/orders/{order_no}/lines", response_model=OrderRead)
async def amend_order(order_no: str, body: OrderAmend, runtime: RuntimeDep, principal: Seller) -> Any:
    lines = _lines(body.lines)

    async def change(tx: SalesUnit) -> Loaded:
        return await changes.amend_order(tx, order_no, lines, body.reason)

    return await _change(runtime, principal, change)


@router.post("/orders/{order_no}/cancel", response_model=OrderRead)
async def cancel_order(order_no: str, body: Reason, runtime: RuntimeDep, principal: Seller) -> Any:
    async def change(tx: SalesUnit) -> Loaded:
        return await changes.cancel_order(tx, order_no, body.reason)

    return await _change(runtime, principal, change)


@router.post("/orders/{order_no}/void", response_model=OrderRead)
async def void_order(order_no: str, body: VoidRequest, runtime: RuntimeDep, principal: Seller) -> Any:
    """Void a shipped order (publishes OrderVoided: inventory releases what it holds, finance credits what it
    invoiced). 409 `order_not_shipped` before shipment (cancel instead), `order_already_voided`;
    `replacement_order_no` must be another order of the customer not replacing one already
    (409 `invalid_replacement`)."""

    async def change(tx: SalesUnit) -> Loaded:
        return await changes.void_order(tx, order_no, body.reason, body.replacement_order_no)

    return await _change(runtime, principal, change)


@router.post("/orders/{order_no}/approve", response_model=OrderRead)
async def approve_order(order_no: str, body: Comment, runtime: RuntimeDep, principal: Manager) -> Any:
    async def change(tx: SalesUnit) -> Loaded:
        return await changes.decide_approval(tx, order_no, sorted(principal.roles), "approved", body.comment)

    return await _change(runtime, principal, change)


@router.post("/orders/{order_no}/reject", response_model=OrderRead)
async def reject_order(order_no: str, body: Comment, runtime: RuntimeDep, principal: Manager) -> Any:
    async def change(tx: SalesUnit) -> Loaded:
        return await changes.decide_approval(tx, order_no, sorted(principal.roles), "rejected", body.comment)

    return await _change(runtime, principal, change)

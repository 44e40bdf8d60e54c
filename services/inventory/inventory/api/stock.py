"""Stock over HTTP: opening balances and adjustments (ledger movements), stock levels, the ledger,
reservations and the backorder queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Code, DocumentRef, PositiveQuantity, Quantity, Text, UnitCost
from contracts.inventory import StockAdjustmentReason
from inventory.api import exports
from inventory.api.deps import Reader, Warehouse
from inventory.config import InventoryRuntime, RuntimeDep
from inventory.db import backorder_lines, backorders, kit, order_reservations, reservations, stock, stock_movements
from inventory.handlers import adjustments
from servicekit.errors import NotFoundError
from servicekit.idempotency import run_idempotent
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["stock"])


class OpeningStock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Code
    warehouse_code: Code
    qty: PositiveQuantity
    unit_cost: UnitCost


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Code
    warehouse_code: Code
    qty_delta: Quantity
    reason_code: StockAdjustmentReason
    reason: Text
    reference: DocumentRef | None = None
    unit_cost: UnitCost | None = None

    @model_validator(mode="after")
    def _non_zero(self) -> AdjustmentCreate:
        if self.qty_delta == 0:
            raise ValueError("qty_delta must not be 0")
        return self


class StockRead(BaseModel):
    sku: str
    warehouse_code: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    low_stock: bool


async def _idempotent(
    runtime: InventoryRuntime, sub: str, key: str | None, endpoint: str, body: BaseModel, adj: adjustments.Adjustment,
    opening: bool,
) -> tuple[int, Any]:  # fmt: skip
    async def operation(session: AsyncSession) -> tuple[int, Any]:
        async with unit_of(session, runtime, sub) as unit:
            return 201, await adjustments.adjust_stock(unit, sub, adj, opening=opening)

    return await run_idempotent(
        runtime.db, kit, key=key, principal=sub, endpoint=endpoint, body=body.model_dump(mode="json"),
        operation=operation,
    )  # fmt: skip


@router.post("/stock/opening", status_code=201)
async def opening_stock(
    body: OpeningStock,
    runtime: RuntimeDep,
    response: Response,
    principal: Warehouse,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    adj = adjustments.Adjustment(
        body.sku, body.warehouse_code, body.qty, "opening_balance", "opening balance", unit_cost=body.unit_cost
    )
    status, payload = await _idempotent(runtime, principal.sub, idempotency_key, "POST /stock/opening", body, adj, True)
    response.status_code = status
    return payload


@router.post("/stock/adjustments", status_code=201)
async def adjust_stock(
    body: AdjustmentCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Warehouse,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    adj = adjustments.Adjustment(
        body.sku, body.warehouse_code, body.qty_delta, body.reason_code, body.reason, body.reference, body.unit_cost
    )
    status, payload = await _idempotent(
        runtime, principal.sub, idempotency_key, "POST /stock/adjustments", body, adj, False
    )
    response.status_code = status
    return payload


@router.get("/stock", response_model=list[StockRead])
async def list_stock(
    runtime: RuntimeDep,
    _: Reader,
    sku: Annotated[list[str] | None, Query()] = None,
    warehouse_code: str | None = None,
    low_only: bool = False,
    format: FormatQuery = None,
) -> Any:
    query = select(stock, (stock.c.on_hand - stock.c.reserved).label("available")).order_by(
        stock.c.sku, stock.c.warehouse_code
    )
    if sku:
        query = query.where(stock.c.sku.in_(sku))
    if warehouse_code:
        query = query.where(stock.c.warehouse_code == warehouse_code)
    if low_only:
        query = query.where(stock.c.low_stock)
    if format:
        return export_query(runtime.db, query, exports.STOCK, fmt=format, name="stock")
    async with runtime.db.transaction() as session:
        return [dict(r) for r in (await session.execute(query.limit(5000))).mappings()]


@router.get("/stock/{sku}/ledger")
async def ledger(
    sku: str,
    runtime: RuntimeDep,
    _: Reader,
    warehouse_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: FormatQuery = None,
) -> Any:
    """The movements of a sku (oldest first) with the running balance; `on_hand` is the ledger's sum."""
    query = select(stock_movements).where(stock_movements.c.sku == sku).order_by(stock_movements.c.id)
    if warehouse_code:
        query = query.where(stock_movements.c.warehouse_code == warehouse_code)
    if format:
        return export_query(runtime.db, query, exports.LEDGER, fmt=format, name=f"stock-ledger-{sku}")
    async with runtime.db.transaction() as session:
        rows = [dict(r) for r in (await session.execute(query.limit(limit))).mappings()]
        where = stock.c.sku == sku
        if warehouse_code:
            where = where & (stock.c.warehouse_code == warehouse_code)
        total = await session.scalar(select(func.coalesce(func.sum(stock.c.on_hand), 0)).where(where))
    balance = Decimal("0")
    for r in rows:
        balance += r["qty_delta"]
        r["balance"] = balance
    return {"sku": sku, "warehouse_code": warehouse_code, "on_hand": total, "movements": rows}


@router.get(
    "/reservations/{order_no}",
    responses={404: {"description": "inventory has never been asked to reserve for this order"}},
)
async def order_reservation(order_no: str, runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    """What inventory holds for an order, in one shape whatever its state: `held` (lines reserved), `backordered`
    (queued for stock, nothing held yet) or `none` (nothing held any more: shipped, released or cancelled)."""
    async with runtime.db.transaction() as session:
        known = await session.scalar(
            select(order_reservations.c.order_no).where(order_reservations.c.order_no == order_no)
        )
        rows = (
            await session.execute(
                select(reservations)
                .where(reservations.c.order_no == order_no)
                .order_by(reservations.c.line_no, reservations.c.warehouse_code)
            )
        ).mappings()
        lines = [dict(r) for r in rows]
        queued = await session.scalar(select(backorders.c.order_no).where(backorders.c.order_no == order_no))
    if known is None and not lines and queued is None:
        raise NotFoundError("reservation", order_no)
    state = "held" if lines else "backordered" if queued is not None else "none"
    return {"order_no": order_no, "state": state, "lines": lines, "backordered": queued is not None}


@router.get("/backorders")
async def backorder_queue(runtime: RuntimeDep, _: Reader, sku: str | None = None, format: FormatQuery = None) -> Any:
    """The queue in serving order: priority (9 first), then age. As a file: one row per line, the whole queue."""
    query = select(backorders).order_by(backorders.c.priority.desc(), backorders.c.placed_at, backorders.c.order_no)
    if sku:
        query = query.where(
            backorders.c.order_no.in_(select(backorder_lines.c.order_no).where(backorder_lines.c.sku == sku))
        )
    if format:
        per_line = (
            query.join(backorder_lines, backorder_lines.c.order_no == backorders.c.order_no)
            .add_columns(backorder_lines.c.line_no, backorder_lines.c.sku, backorder_lines.c.qty)
            .order_by(backorder_lines.c.line_no)
        )
        return export_query(runtime.db, per_line, exports.BACKORDERS, fmt=format, name="backorders")
    async with runtime.db.transaction() as session:
        queue = [dict(r) for r in (await session.execute(query.limit(1000))).mappings()]
        lines = (
            await session.execute(
                select(backorder_lines).where(backorder_lines.c.order_no.in_([q["order_no"] for q in queue]))
            )
        ).mappings()
        by_order: dict[str, list[dict[str, Any]]] = {}
        for x in lines:
            by_order.setdefault(x["order_no"], []).append(dict(x))
    return [{**q, "lines": by_order.get(q["order_no"], [])} for q in queue]

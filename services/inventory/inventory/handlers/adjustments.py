"""Opening stock and stock adjustments made by people: each one an immutable ledger movement, audited and
published as StockAdjusted. Stock that rises wakes backorders (StockAvailable, emitted by the stock book)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import StockAdjusted, StockAdjustmentReason
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import kit, products, stock_movements, warehouses
from inventory.stock import StockBook, on_hand_total
from servicekit import audit
from servicekit.errors import DomainError, NotFoundError


@dataclass
class Adjustment:
    sku: str
    warehouse_code: str
    qty_delta: Decimal
    reason_code: StockAdjustmentReason
    reason: str | None = None
    reference: str | None = None
    unit_cost: Decimal | None = None


async def _check_master(session: AsyncSession, sku: str, warehouse_code: str) -> None:
    if await session.scalar(select(products.c.sku).where(products.c.sku == sku)) is None:
        raise NotFoundError("product", sku)
    if await session.scalar(select(warehouses.c.code).where(warehouses.c.code == warehouse_code)) is None:
        raise NotFoundError("warehouse", warehouse_code)


async def _average(session: AsyncSession, sku: str) -> Decimal:
    return Decimal(await session.scalar(select(products.c.avg_cost).where(products.c.sku == sku)) or 0)


async def update_average_cost(session: AsyncSession, sku: str, qty_in: Decimal, unit_cost: Decimal) -> Decimal:
    """Moving-average cost of a sku after `qty_in` arrives at `unit_cost`; call before on-hand rises.
    The product row is locked, so two receipts of one sku cannot both read the old average."""
    current = await session.scalar(select(products.c.avg_cost).where(products.c.sku == sku).with_for_update())
    on_hand = await on_hand_total(session, sku)
    new = domain.moving_average(on_hand, Decimal(current or 0), qty_in, unit_cost)
    await session.execute(products.update().where(products.c.sku == sku).values(avg_cost=new))
    return new


async def adjust_stock(unit: InventoryUnit, actor: str, adj: Adjustment, *, opening: bool = False) -> dict[str, Any]:
    session, now = unit.session, unit.now
    await _check_master(session, adj.sku, adj.warehouse_code)
    if opening:
        exists = await session.scalar(
            select(stock_movements.c.id)
            .where((stock_movements.c.sku == adj.sku) & (stock_movements.c.warehouse_code == adj.warehouse_code))
            .limit(1)
        )
        if exists is not None:
            raise DomainError(
                "opening_exists", f"{adj.sku} in {adj.warehouse_code} already has movements; use an adjustment"
            )
    if adj.unit_cost is not None and adj.qty_delta > 0:
        await update_average_cost(session, adj.sku, adj.qty_delta, adj.unit_cost)
    book = StockBook.of(unit)
    await book.lock([(adj.sku, adj.warehouse_code)], create=True)
    before = book.row(adj.sku, adj.warehouse_code).on_hand
    # The cost the stock moves at (finance values the movement by it): the one given for stock in, else the
    # moving average.
    cost = adj.unit_cost if adj.unit_cost is not None and adj.qty_delta > 0 else await _average(session, adj.sku)
    row = book.move(
        adj.sku,
        adj.warehouse_code,
        adj.qty_delta,
        "opening_balance" if opening else "adjustment",
        reason_code=adj.reason_code,
        reason=adj.reason,
        reference=adj.reference,
        unit_cost=cost,
        actor=actor,
    )
    await book.flush()
    unit.publish(
        StockAdjusted(
            sku=adj.sku,
            warehouse_code=adj.warehouse_code,
            qty_delta=adj.qty_delta,
            on_hand_after=row.on_hand,
            reason_code=adj.reason_code,
            reason=adj.reason,
            reference=adj.reference,
            unit_cost=cost,
            adjusted_by=actor,
            adjusted_at=now,
        )
    )
    result = {
        "sku": adj.sku,
        "warehouse_code": adj.warehouse_code,
        "qty_delta": str(adj.qty_delta),
        "on_hand": str(row.on_hand),
        "reserved": str(row.reserved),
        "available": str(row.available),
    }
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="stock",
        entity_id=f"{adj.sku}@{adj.warehouse_code}",
        action="opening_balance" if opening else f"adjusted:{adj.reason_code}",
        before={"on_hand": str(before)},
        after=result,
    )
    return result

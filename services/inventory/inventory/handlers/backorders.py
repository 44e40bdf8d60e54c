"""The backorder queue: orders that asked to wait for stock (ReserveStock with `backorder`).

When available stock of a sku rises, inventory emits StockAvailable; consuming it here serves the queued
orders that want that sku, by priority (9 first), then age, each all-or-nothing, replying StockReserved for
every order served. Serving in its own transaction keeps the lock order (headers → stock rows) intact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import StockAvailable, StockReserved
from contracts.sales import ReserveStock
from inventory.config import InventoryUnit
from inventory.db import backorder_lines, backorders
from inventory.handlers import holdings
from inventory.handlers.planning import plan
from inventory.stock import StockBook
from servicekit.fastsql import Statement

_DEQUEUE = Statement(delete(backorders).where(backorders.c.order_no == bindparam("order_no")))  # every reservation


async def enqueue(session: AsyncSession, cmd: ReserveStock, now: datetime) -> None:
    """Queue (or re-queue with its latest lines) an order; its age stays the order's placement time."""
    values = {"priority": cmd.priority, "placed_at": cmd.placed_at, "warehouse_code": cmd.warehouse_code}
    stmt = insert(backorders).values(order_no=cmd.order_no, queued_at=now, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[backorders.c.order_no], set_=values))
    await session.execute(delete(backorder_lines).where(backorder_lines.c.order_no == cmd.order_no))
    await session.execute(
        insert(backorder_lines).values(
            [{"order_no": cmd.order_no, "line_no": x.line_no, "sku": x.sku, "qty": x.qty} for x in cmd.lines]
        )
    )


async def dequeue(session: AsyncSession, order_no: str, line_nos: Sequence[int] | None = None) -> None:
    """Drop an order from the queue (or some of its lines; an order left without lines leaves the queue)."""
    if line_nos is None:
        await _DEQUEUE.execute(session, order_no=order_no)
        return
    await session.execute(
        delete(backorder_lines).where(
            (backorder_lines.c.order_no == order_no) & backorder_lines.c.line_no.in_(list(line_nos))
        )
    )
    left = await session.scalar(
        select(backorder_lines.c.line_no).where(backorder_lines.c.order_no == order_no).limit(1)
    )
    if left is None:
        await session.execute(delete(backorders).where(backorders.c.order_no == order_no))


async def serve(unit: InventoryUnit, event: StockAvailable) -> None:
    session, now = unit.session, unit.now
    candidates = list(
        await session.scalars(
            select(backorders.c.order_no)
            .join(backorder_lines, backorder_lines.c.order_no == backorders.c.order_no)
            .where(
                (backorder_lines.c.sku == event.sku)
                & (backorders.c.warehouse_code.is_(None) | (backorders.c.warehouse_code == event.warehouse_code))
            )
            .distinct()
        )
    )
    if not candidates:
        return
    await holdings.lock_orders(session, candidates)
    queue = (
        await session.execute(
            select(backorders)
            .where(backorders.c.order_no.in_(candidates))
            .order_by(backorders.c.priority.desc(), backorders.c.placed_at, backorders.c.order_no)
        )
    ).all()
    if not queue:
        return
    order_nos = [q.order_no for q in queue]
    lines = (
        await session.execute(
            select(backorder_lines).where(backorder_lines.c.order_no.in_(order_nos)).order_by(backorder_lines.c.line_no)
        )
    ).all()
    held = await holdings.held_by(session, order_nos)
    book = StockBook.of(unit)
    await book.lock_skus({x.sku for x in lines}, None, {(h.sku, h.warehouse_code) for hs in held.values() for h in hs})
    for q in queue:
        wanted = [(x.line_no, x.sku, x.qty) for x in lines if x.order_no == q.order_no]
        attempt = plan(book, wanted, held.get(q.order_no, []), q.warehouse_code)
        if attempt.shortages:
            continue  # all or nothing per order; a smaller order further down may still fit
        await holdings.add_takes(session, book, q.order_no, attempt.allocation.takes)
        await holdings.touch(session, q.order_no, now)
        await session.execute(delete(backorders).where(backorders.c.order_no == q.order_no))
        served = StockReserved(order_no=q.order_no, lines=holdings.as_lines(attempt.held_after), reserved_at=now)
        # The reply belongs to the order's flow, not to the stock event that woke it.
        unit.publish(served, correlation_id=q.order_no)
    await book.flush()

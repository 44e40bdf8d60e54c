"""The saga's reservation commands: ReserveStock, ReleaseStock, AdjustReservation. Each runs in the
consumer's one transaction and answers with a reply event; business refusals are replies, never errors.

No oversell: the order header, then the stock rows (sorted by sku, warehouse) are locked FOR UPDATE before
available stock is read, so concurrent reservations for the same stock run one after the other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text

from contracts.common import ShortageLine
from contracts.inventory import (
    ReservationAdjusted,
    ReservationAdjustmentFailed,
    ReservationFailureReason,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from contracts.sales import AdjustReservation, ReleaseStock, ReservationTarget, ReserveStock
from inventory import domain
from inventory.config import InventoryUnit
from inventory.handlers import backorders, holdings
from inventory.handlers.holdings import Held
from inventory.handlers.planning import plan, unknown_skus
from inventory.stock import WRITE_BACK_SQL, StockBook
from servicekit.fastsql import Statement

# A reservation made (not queued for the rest): its rows, the stock rows, its header and the order out of the
# backorder queue, in one statement.
_RESERVED = Statement(
    text(
        f"WITH takes AS ({holdings.ADD_TAKES_SQL}), stock_rows AS ({WRITE_BACK_SQL}),"
        " dequeued AS (DELETE FROM backorders WHERE order_no = :order_no) UPDATE order_reservations"
        " SET priority = :priority, placed_at = :placed_at, warehouse_code = :warehouse_code, updated_at = :at"
        " WHERE order_no = :order_no"
    )
)


async def reserve_stock(unit: InventoryUnit, cmd: ReserveStock) -> None:
    session, now = unit.session, unit.now
    header = {"priority": cmd.priority, "placed_at": cmd.placed_at, "warehouse_code": cmd.warehouse_code}
    if not holdings.header_locked(session, cmd.order_no):  # else its batch created and locked it already
        await holdings.lock_orders(session, [cmd.order_no], create=header)
    held = (await holdings.held_by(session, [cmd.order_no])).get(cmd.order_no, [])
    book = StockBook.of(unit)
    wanted = [(line.line_no, line.sku, line.qty) for line in cmd.lines]
    skus = {line.sku for line in cmd.lines}
    await book.lock_skus(skus, cmd.warehouse_code)
    attempt = plan(book, wanted, held, cmd.warehouse_code)
    if attempt.shortages:
        missing = await unknown_skus(session, skus)
        if missing:
            unit.publish(_failed(cmd.order_no, "unknown_sku", [], f"unknown sku: {', '.join(sorted(missing))}", now))
            return
    reserved_any = bool(attempt.held_after)
    if attempt.shortages and (not cmd.allow_partial or not reserved_any):
        if cmd.backorder:
            await backorders.enqueue(session, cmd, now)
        unit.publish(_failed(cmd.order_no, "out_of_stock", attempt.shortages, None, now))
        return
    if attempt.shortages and cmd.backorder:
        await holdings.add_takes(session, book, cmd.order_no, attempt.allocation.takes)
        await holdings.touch(session, cmd.order_no, now, **header)
        await backorders.enqueue(session, cmd, now)
        await book.flush()
    else:
        takes = holdings.take(book, attempt.allocation.takes)
        assert not book.has_movements  # a reservation moves no stock
        await _RESERVED.defer(session, order_no=cmd.order_no, at=now, **header, **takes, **await book.settle())
    unit.publish(
        StockReserved(
            order_no=cmd.order_no,
            lines=holdings.as_lines(attempt.held_after),
            shortages=attempt.shortages,
            reserved_at=now,
        )
    )


def _failed(
    order_no: str, reason: ReservationFailureReason, shortages: list[ShortageLine], detail: str | None, now: datetime
) -> StockReservationFailed:
    return StockReservationFailed(order_no=order_no, reason=reason, shortages=shortages, detail=detail, failed_at=now)


async def release_order(unit: InventoryUnit, order_no: str, line_nos: Sequence[int] | None) -> list[Held]:
    """Release the order's reservation (whole, or some lines) and drop it from the backorder queue."""
    session, now = unit.session, unit.now
    found = await holdings.lock_orders(session, [order_no])
    if not found:
        return []
    held = (await holdings.held_by(session, [order_no])).get(order_no, [])
    if line_nos is not None:
        held = [h for h in held if h.line_no in set(line_nos)]
    await backorders.dequeue(session, order_no, line_nos)
    if not held:
        return []
    book = StockBook.of(unit)
    await book.lock({(h.sku, h.warehouse_code) for h in held})
    await holdings.remove(session, book, order_no, held)
    await holdings.touch(session, order_no, now)
    await book.flush()
    return held


async def release_stock(unit: InventoryUnit, cmd: ReleaseStock) -> None:
    released = await release_order(unit, cmd.order_no, cmd.line_nos)
    unit.publish(
        StockReleased(order_no=cmd.order_no, lines=holdings.as_lines(released), reason=cmd.reason, released_at=unit.now)
    )


async def adjust_reservation(unit: InventoryUnit, cmd: AdjustReservation) -> None:
    session, now = unit.session, unit.now
    headers = await holdings.lock_orders(
        session, [cmd.order_no], create={"priority": 5, "placed_at": now, "warehouse_code": None}
    )
    header = headers[cmd.order_no]
    if cmd.revision < header.revision:
        return  # an older amendment arriving late: a newer one was already applied
    held = (await holdings.held_by(session, [cmd.order_no])).get(cmd.order_no, [])
    if cmd.revision == header.revision:
        unit.publish(_adjusted(cmd, held, [], now))  # a retry: answer again with the current state
        return
    targets = {t.line_no: t for t in cmd.lines}
    # Lines whose sku changed give their stock back entirely; others keep what they hold up to the target.
    drop = [h for h in held if h.line_no in targets and h.sku != targets[h.line_no].sku]
    keep = [h for h in held if h not in drop]
    book = StockBook.of(unit)
    await book.lock_skus({t.sku for t in cmd.lines}, header.warehouse_code, {(h.sku, h.warehouse_code) for h in held})
    cuts = _cuts(keep, targets)
    wanted = [(t.line_no, t.sku, t.qty) for t in cmd.lines if t.qty > 0]
    attempt = plan(book, wanted, keep, header.warehouse_code)
    if attempt.shortages and not cmd.allow_partial:
        if await unknown_skus(session, {t.sku for t in cmd.lines if t.qty > 0}):
            reason: ReservationFailureReason = "unknown_sku"
        else:
            reason = "out_of_stock"
        unit.publish(
            ReservationAdjustmentFailed(
                order_no=cmd.order_no, revision=cmd.revision, reason=reason, shortages=attempt.shortages, failed_at=now
            )
        )
        return
    await holdings.remove(session, book, cmd.order_no, drop)
    for h, qty in cuts:
        await holdings.reduce(session, book, cmd.order_no, h, qty)
    await holdings.add_takes(session, book, cmd.order_no, attempt.allocation.takes)
    await holdings.touch(session, cmd.order_no, now, revision=cmd.revision)
    await book.flush()
    dropped = drop + [Held(h.line_no, h.sku, h.warehouse_code, qty) for h, qty in cuts]
    after = holdings.merged(held, attempt.allocation.takes, dropped)
    unit.publish(_adjusted(cmd, after, attempt.shortages, now))


def _cuts(keep: Sequence[Held], targets: dict[int, ReservationTarget]) -> list[tuple[Held, Decimal]]:
    """Reservation rows to reduce (and by how much) so no line holds more than its target; the last
    warehouses give back first."""
    cuts: list[tuple[Held, Decimal]] = []
    for line_no, target in targets.items():
        rows = [h for h in keep if h.line_no == line_no]
        excess = sum((h.qty for h in rows), domain.ZERO) - target.qty
        for h in reversed(rows):
            if excess <= 0:
                break
            cut = min(excess, h.qty)
            cuts.append((h, cut))
            excess -= cut
    return cuts


def _adjusted(
    cmd: AdjustReservation, held: Sequence[Held], shortages: list[ShortageLine], now: datetime
) -> ReservationAdjusted:
    return ReservationAdjusted(
        order_no=cmd.order_no,
        revision=cmd.revision,
        lines=holdings.as_lines(held),
        shortages=shortages,
        adjusted_at=now,
    )

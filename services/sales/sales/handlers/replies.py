"""Inventory's and finance's replies to the saga's commands. A reply moves the saga on only when it answers
the step the saga waits for (same step, same revision); a reply after the order ended is compensated; any
other reply (stale, repeated) changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from contracts.finance import CreditApproved, CreditRefused, SettlementVoided
from contracts.inventory import (
    ReservationAdjusted,
    ReservationAdjustmentFailed,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from sales import domain
from sales.config import SalesUnit
from sales.db import order_revisions
from sales.handlers import fulfilment
from sales.handlers.changes import replace_lines
from sales.saga import state, steps
from sales.store import Loaded, lines_from_json, load, set_status

ENDED = frozenset({domain.REJECTED, domain.CANCELLED})


def _waiting(o: Loaded, status: str, step: str) -> bool:
    return o.status == status and o.saga["step"] == step and o.saga["status"] == state.ACTIVE


async def stock_reserved(tx: SalesUnit, msg: StockReserved) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    if _waiting(o, domain.RESERVING, state.RESERVE) or o.status == domain.BACKORDERED:
        await steps.stock_reserved(tx, o, msg.lines, state.RESERVE if o.status == domain.RESERVING else state.BACKORDER)
    elif o.status in ENDED:
        await steps.compensate_again(tx, o, release=True, void=False, why="StockReserved")


async def stock_reservation_failed(tx: SalesUnit, msg: StockReservationFailed) -> None:
    o = await load(tx, msg.order_no)
    if o is None or not _waiting(o, domain.RESERVING, state.RESERVE):
        return
    short = ", ".join(f"{s.sku} {s.qty_available}/{s.qty_requested}" for s in msg.shortages)
    detail = msg.detail or (f"short: {short}" if short else msg.reason)
    if msg.reason == "out_of_stock" and o.order["allow_backorder"]:
        # Inventory keeps the order queued and reserves it when stock arrives (then sends StockReserved).
        await set_status(tx, o, domain.BACKORDERED, reason=f"out_of_stock: {detail}")
        await state.save(
            tx,
            o,
            (state.RESERVE, "replied: out of stock", detail),
            (state.BACKORDER, "waiting for stock", None),
            step=state.BACKORDER,
            status=state.PAUSED,
            deadline_at=None,
        )
        return
    code = "out_of_stock" if msg.reason == "out_of_stock" else "invalid_order"
    # Nothing was reserved; a backorder-queued order is dequeued by the release.
    await steps.compensate(tx, o, domain.REJECTED, code, detail, release=bool(o.order["allow_backorder"]))


async def reservation_adjusted(tx: SalesUnit, msg: ReservationAdjusted) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    if _waiting(o, domain.RESERVING, state.ADJUST) and msg.revision == o.revision:
        await steps.stock_reserved(tx, o, msg.lines, state.ADJUST)
    elif o.status in ENDED:
        await steps.compensate_again(tx, o, release=True, void=False, why="ReservationAdjusted")


async def reservation_adjustment_failed(tx: SalesUnit, msg: ReservationAdjustmentFailed) -> None:
    """The amendment cannot be served: the reservation is unchanged, so the order goes back to the lines it
    held (as a new revision) and its credit is checked again at that amount."""
    o = await load(tx, msg.order_no)
    if o is None or not (_waiting(o, domain.RESERVING, state.ADJUST) and msg.revision == o.revision):
        return
    previous = await tx.session.scalar(
        select(order_revisions.c.lines).where(
            (order_revisions.c.order_no == o.no) & (order_revisions.c.revision == o.revision - 1)
        )
    )
    restored = lines_from_json(previous or [])
    await replace_lines(tx, o, restored, f"amendment refused by inventory ({msg.reason}); lines restored")
    await steps.stock_reserved(tx, o, [], state.ADJUST)


async def credit_approved(tx: SalesUnit, msg: CreditApproved) -> None:
    o = await load(tx, msg.order_no, with_lines=True)  # the confirmation carries them
    if o is None:
        return
    if _waiting(o, domain.AWAITING_CREDIT, state.CREDIT) and msg.revision == o.revision:
        await steps.confirm(tx, o)
        if o.revision > 1:  # an amended order may have shipped meanwhile: catch up with what was recorded
            await fulfilment.advance(tx, o)
    elif o.status in ENDED:
        await steps.compensate_again(tx, o, release=False, void=True, why="CreditApproved")


async def credit_refused(tx: SalesUnit, msg: CreditRefused) -> None:
    o = await load(tx, msg.order_no)
    if o is None or not (_waiting(o, domain.AWAITING_CREDIT, state.CREDIT) and msg.revision == o.revision):
        return
    detail = f"{msg.reason}: requested {msg.requested}, exposure {msg.exposure}, limit {msg.credit_limit}"
    # A refusal holds nothing; only an amended order may still hold an earlier revision's amount.
    await steps.compensate(tx, o, domain.REJECTED, "credit_limit", detail, release=True, void=o.revision > 1)


async def stock_released(tx: SalesUnit, msg: StockReleased) -> None:
    o = await load(tx, msg.order_no)
    if o is not None:
        await steps.compensation_replied(tx, o, released=True)


async def settlement_voided(tx: SalesUnit, msg: SettlementVoided) -> None:
    o = await load(tx, msg.order_no)
    if o is not None:
        await steps.compensation_replied(tx, o, voided=True)

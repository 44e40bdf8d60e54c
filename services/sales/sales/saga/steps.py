"""The saga's steps, forward and backward.

placed → (approval) → reserve stock → check credit → confirmed. Every command is sent with a deadline; the
reply moves the saga on; a refusal, a timeout after the retries, or a cancellation compensates what was
requested (ReleaseStock, VoidOrderSettlement), and a late reply after compensation is compensated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from contracts.common import ReservedLine
from contracts.sales import OrderCancelled, OrderConfirmed, OrderRejected
from sales import domain
from sales.config import SalesUnit
from sales.saga import commands
from sales.saga.state import (
    ABORTED,
    ACTIVE,
    ADJUST,
    COMPENSATE,
    COMPENSATED,
    COMPENSATING,
    COMPLETED,
    CREDIT,
    DONE,
    RESERVE,
    Event,
    save,
    step_deadline,
)
from sales.store import Loaded, contract_lines, lines_of, set_status, status_change


async def request_reservation(
    tx: SalesUnit, o: Loaded, lines: Sequence[domain.Line], *events: Event, attempts: int = 1
) -> None:
    tx.publish(commands.reserve_stock(o, lines))
    await save(
        tx,
        o,
        *events,
        (RESERVE, "requested" if attempts == 1 else f"re-sent (attempt {attempts})", None),
        step=RESERVE,
        status=ACTIVE,
        deadline_at=step_deadline(tx),
        attempts=attempts,
        stock_requested=True,
        revision=o.revision,
    )


async def request_adjustment(
    tx: SalesUnit,
    o: Loaded,
    targets: Sequence[tuple[int, str, Decimal]],
    reason: str | None,
    *events: Event,
    attempts: int = 1,
) -> None:
    tx.publish(commands.adjust_reservation(o, targets, reason))
    await save(
        tx,
        o,
        *events,
        (ADJUST, "requested" if attempts == 1 else f"re-sent (attempt {attempts})", f"revision {o.revision}"),
        step=ADJUST,
        status=ACTIVE,
        deadline_at=step_deadline(tx),
        attempts=attempts,
        revision=o.revision,
    )


async def request_credit(
    tx: SalesUnit,
    o: Loaded,
    *events: Event,
    attempts: int = 1,
    transition: dict[str, Any] | None = None,
    reserved: dict[int, Decimal] | None = None,
) -> None:
    tx.publish(commands.check_credit(o))
    await save(
        tx,
        o,
        *events,
        (CREDIT, "requested" if attempts == 1 else f"re-sent (attempt {attempts})", f"amount {o.order['gross']}"),
        transition=transition,
        reserved=reserved,
        step=CREDIT,
        status=ACTIVE,
        deadline_at=step_deadline(tx),
        attempts=attempts,
        credit_requested=True,
        revision=o.revision,
    )


def reserved_per_line(lines: Iterable[ReservedLine]) -> dict[int, Decimal]:
    """The quantity reserved per order line (a line may be reserved in several warehouses)."""
    per_line: dict[int, Decimal] = {}
    for x in lines:
        per_line[x.line_no] = per_line.get(x.line_no, Decimal("0")) + x.qty
    return per_line


async def stock_reserved(tx: SalesUnit, o: Loaded, lines: Iterable[ReservedLine], step: str) -> None:
    """Reservation (or adjustment) succeeded: on to the credit check. The reserved quantities, the status change
    and the saga's state are written by one statement."""
    transition = status_change(tx, o, domain.AWAITING_CREDIT)
    reserved = reserved_per_line(lines)
    await request_credit(tx, o, (step, "replied: reserved", None), transition=transition, reserved=reserved)


async def confirm(tx: SalesUnit, o: Loaded) -> None:
    lines = o.lines if o.lines is not None else await lines_of(tx, o.no)
    transition = status_change(tx, o, domain.CONFIRMED)  # written with the saga's save
    tx.publish(
        OrderConfirmed(
            order_no=o.no,
            revision=o.revision,
            customer_code=o.customer,
            channel=o.order["channel"],
            external_ref=o.order["external_ref"],
            lines=contract_lines(lines),
            currency=o.order["currency"],
            totals=o.amounts(),
            payment_terms_days=o.order["payment_terms_days"],
            priority=o.order["priority"],
            requested_date=o.order["requested_date"],
            warehouse_code=o.order["warehouse_code"],
            ship_to=o.order["ship_to"],
            confirmed_at=tx.now,
        )
    )
    await save(
        tx,
        o,
        (CREDIT, "replied: approved", None),
        (DONE, "confirmed", None),
        transition=transition,
        step=DONE,
        status=COMPLETED,
        deadline_at=None,
        finished_at=tx.now,
    )


async def compensate(
    tx: SalesUnit,
    o: Loaded,
    to: str,
    code: str,
    detail: str,
    *,
    release: bool | None = None,
    void: bool | None = None,
) -> None:
    """End the order as `rejected` (reason `code`) or `cancelled`, undoing what the saga requested."""
    release = bool(o.saga["stock_requested"]) if release is None else release
    void = bool(o.saga["credit_requested"]) if void is None else void
    reason = f"{code}: {detail}"
    if release:
        tx.publish(commands.release_stock(o, reason))
    if void:
        tx.publish(commands.void_settlement(o, reason))
    previous = o.status
    if to == domain.REJECTED:
        await set_status(tx, o, to, reason=reason, values={"rejection_reason": code, "status_reason": detail})
        tx.publish(
            OrderRejected(order_no=o.no, customer_code=o.customer, reason=code, detail=detail, rejected_at=tx.now)
        )
    else:
        await set_status(tx, o, to, reason=detail, values={"status_reason": detail})
        tx.publish(
            OrderCancelled(
                order_no=o.no,
                customer_code=o.customer,
                previous_status=previous,
                reason=detail,
                cancelled_by=tx.actor,
                cancelled_at=tx.now,
            )
        )
    pending = release or void
    what = ", ".join(n for n, on in (("ReleaseStock", release), ("VoidOrderSettlement", void)) if on)
    await save(
        tx,
        o,
        (COMPENSATE, f"{to}: {code}", f"sent {what}" if what else "nothing to undo"),
        step=COMPENSATE,
        status=COMPENSATING if pending else ABORTED,
        deadline_at=step_deadline(tx) if pending else None,
        attempts=1 if pending else 0,
        awaiting_release=release,
        awaiting_void=void,
        finished_at=None if pending else tx.now,
    )


async def compensate_again(tx: SalesUnit, o: Loaded, *, release: bool, void: bool, why: str) -> None:
    """A reply arrived after the order ended: undo its effect too (the commands are idempotent)."""
    reason = f"late reply after {o.status}: {why}"
    if release:
        tx.publish(commands.release_stock(o, reason))
    if void:
        tx.publish(commands.void_settlement(o, reason))
    await save(
        tx,
        o,
        (COMPENSATE, "late reply compensated", why),
        step=COMPENSATE,
        status=COMPENSATING,
        deadline_at=step_deadline(tx),
        attempts=1,
        awaiting_release=bool(o.saga["awaiting_release"]) or release,
        awaiting_void=bool(o.saga["awaiting_void"]) or void,
        finished_at=None,
    )


async def compensation_replied(tx: SalesUnit, o: Loaded, *, released: bool = False, voided: bool = False) -> None:
    if not (released and o.saga["awaiting_release"]) and not (voided and o.saga["awaiting_void"]):
        return
    values: dict[str, Any] = {
        "awaiting_release": bool(o.saga["awaiting_release"]) and not released,
        "awaiting_void": bool(o.saga["awaiting_void"]) and not voided,
    }
    if not (values["awaiting_release"] or values["awaiting_void"]):
        values.update(status=COMPENSATED, deadline_at=None, finished_at=tx.now)
    await save(tx, o, (COMPENSATE, "stock released" if released else "settlement voided", None), **values)

"""People changing an order: amend (before picking), cancel (before shipment), void (after shipment),
approve or reject. Each is audited and runs in one transaction with the saga change it causes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, insert, select, update

from approvals import APPROVED, REJECTED
from approvals.store import decide_and_record, start_approval
from approvals.web import approval_errors
from contracts.sales import OrderAmended, OrderApprovalDecided, OrderVoided
from sales import domain
from sales.config import SalesUnit
from sales.db import approval, kit, order_lines, order_revisions, orders, shipments
from sales.handlers.placing import SALES_ORDER, approval_requested, escalation_defaults, plan_approval
from sales.saga import state, steps
from sales.store import Loaded, contract_lines, line_json, line_values, lines_of, load, set_status
from servicekit import audit
from servicekit.errors import DomainError, NotFoundError


async def load_or_404(tx: SalesUnit, order_no: str) -> Loaded:
    o = await load(tx, order_no)
    if o is None:
        raise NotFoundError("order", order_no)
    return o


async def anything_shipped(tx: SalesUnit, order_no: str) -> bool:
    query = select(exists().where((shipments.c.order_no == order_no) & shipments.c.shipped_at.is_not(None)))
    return bool(await tx.session.scalar(query))


async def anything_picked(tx: SalesUnit, order_no: str) -> bool:
    """An outbound order of it is being picked or packed (not un-picked, not shipped)."""
    picked = (shipments.c.order_no == order_no) & shipments.c.picked_at.is_not(None) & shipments.c.shipped_at.is_(None)
    return bool(await tx.session.scalar(select(exists().where(picked))))


def rule(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except domain.RuleViolationError as exc:
        raise DomainError(exc.code, exc.detail) from exc


async def _audit(tx: SalesUnit, o: Loaded, action: str, before: Any = None, after: Any = None) -> None:
    await audit.record(
        tx.session,
        kit,
        actor=tx.actor or "system",
        entity="sales_order",
        entity_id=o.no,
        action=action,
        before=before,
        after=after,
    )


async def replace_lines(tx: SalesUnit, o: Loaded, new: Sequence[domain.Line], reason: str) -> list[domain.Line]:
    """Make `new` the order's lines as the next revision; the replaced lines are kept for a revert."""
    old = await lines_of(tx, o.no)
    held = dict(
        (
            await tx.session.execute(
                select(order_lines.c.line_no, order_lines.c.reserved_qty).where(order_lines.c.order_no == o.no)
            )
        ).all()
    )
    await tx.session.execute(
        insert(order_revisions).values(order_no=o.no, revision=o.revision, lines=line_json(old), created_at=tx.now)
    )
    await tx.session.execute(delete(order_lines).where(order_lines.c.order_no == o.no))
    # Until inventory confirms the change, a line keeps what it had reserved.
    rows = [{**v, "reserved_qty": held.get(v["line_no"], 0)} for v in line_values(o.no, new)]
    await tx.session.execute(insert(order_lines), rows)
    totals = domain.totals_of(new)
    values = {"net": totals.net, "tax": totals.tax, "gross": totals.gross, "revision": o.revision + 1}
    await tx.session.execute(update(orders).where(orders.c.order_no == o.no).values(**values, updated_at=tx.now))
    o.order.update(values)
    tx.publish(
        OrderAmended(
            order_no=o.no,
            revision=o.revision,
            customer_code=o.customer,
            lines=contract_lines(new),
            currency=o.order["currency"],
            totals=o.amounts(),
            requested_date=o.order["requested_date"],
            reason=reason,
            amended_by=tx.actor or "system",
            amended_at=tx.now,
        )
    )
    return old


async def amend_order(tx: SalesUnit, order_no: str, new: Sequence[domain.Line], reason: str) -> Loaded:
    o = await load_or_404(tx, order_no)
    rule(domain.check_editable, o.status, await anything_shipped(tx, o.no), await anything_picked(tx, o.no))
    before = {"revision": o.revision, "gross": str(o.order["gross"])}
    old = await replace_lines(tx, o, new, reason)
    if o.status == domain.PENDING_APPROVAL:
        await _replan_approval(tx, o, new)
    else:  # stock is (being) held: re-run the reservation for the difference
        await set_status(tx, o, domain.RESERVING, reason=f"amended to revision {o.revision}: {reason}")
        await steps.request_adjustment(tx, o, domain.reservation_targets(old, new), reason)
    await _audit(tx, o, "amended", before, {"revision": o.revision, "gross": str(o.order["gross"]), "reason": reason})
    return o


async def _replan_approval(tx: SalesUnit, o: Loaded, lines: Sequence[domain.Line]) -> None:
    """The rules apply to the order as amended: the approval restarts, or is no longer needed."""
    approval_plan = await plan_approval(tx, o.order["gross"], lines)
    levels = approval_plan.levels
    if levels:
        requester = o.order["placed_by"] or f"channel:{o.order['channel']}"
        started = await start_approval(
            tx.session,
            approval,
            SALES_ORDER,
            o.no,
            requester,
            levels,
            tx.now,
            allow_same_approver=approval_plan.same,
            escalations=approval_plan.escalations,
        )
        due = tx.now + started.escalation_of(1).remind_after(escalation_defaults(tx.settings))
        tx.publish(approval_requested(o, 1, levels, tx.now, due))
        event = (state.APPROVAL, f"restarted for revision {o.revision}", ", ".join(levels))
        await state.save(tx, o, event, attempts=0, deadline_at=due)
        return
    await set_status(tx, o, domain.RESERVING, reason="amended: no approval needed")
    await steps.request_reservation(tx, o, lines, (state.APPROVAL, "no longer needed after amendment", None))


async def cancel_order(tx: SalesUnit, order_no: str, reason: str) -> Loaded:
    o = await load_or_404(tx, order_no)
    rule(domain.check_cancellable, o.status, await anything_shipped(tx, o.no))
    before = o.status
    await steps.compensate(tx, o, domain.CANCELLED, "cancelled", reason)
    await _audit(tx, o, "cancelled", {"status": before}, {"status": o.status, "reason": reason})
    return o


async def void_order(tx: SalesUnit, order_no: str, reason: str, replacement: str | None = None) -> Loaded:
    """Void a shipped order: it keeps its status, and OrderVoided tells inventory (release what it holds, cancel
    what has not left) and finance (credit what it invoiced). A replacement names it back."""
    o = await load_or_404(tx, order_no)
    rule(domain.check_voidable, o.status, await anything_shipped(tx, o.no))
    if o.order["voided_at"] is not None:
        raise DomainError("order_already_voided", f"order {o.no} was voided already")
    if replacement is not None:
        await _link_replacement(tx, o, replacement, reason)
    values = {
        "void_reason": reason,
        "voided_by": tx.actor,
        "voided_at": tx.now,
        "replaced_by_order_no": replacement,
        "updated_at": tx.now,
    }
    await tx.session.execute(update(orders).where(orders.c.order_no == o.no).values(**values))
    o.order.update(values)
    tx.publish(
        OrderVoided(
            order_no=o.no,
            customer_code=o.customer,
            status=o.status,
            reason=reason,
            replacement_order_no=replacement,
            voided_by=tx.actor,
            voided_at=tx.now,
        )
    )
    after = {"status": o.status, "void_reason": reason, "replaced_by_order_no": replacement}
    await _audit(tx, o, "voided", {"status": o.status}, after)
    return o


async def _link_replacement(tx: SalesUnit, o: Loaded, replacement: str, reason: str) -> None:
    new = await load(tx, replacement)
    if new is None or new.no == o.no or new.customer != o.customer:
        raise DomainError("invalid_replacement", f"{replacement} is not another order of customer {o.customer}")
    if new.order["replaces_order_no"] is not None or new.order["voided_at"] is not None:
        raise DomainError("invalid_replacement", f"{replacement} replaces {new.order['replaces_order_no']} already")
    await tx.session.execute(
        update(orders).where(orders.c.order_no == new.no).values(replaces_order_no=o.no, updated_at=tx.now)
    )
    await _audit(tx, new, "replaces", None, {"replaces_order_no": o.no, "reason": reason})


async def decide_approval(
    tx: SalesUnit, order_no: str, roles: Sequence[str], verdict: str, comment: str | None
) -> Loaded:
    o = await load_or_404(tx, order_no)
    if o.status != domain.PENDING_APPROVAL:
        raise DomainError("order_not_pending_approval", f"order {o.no} is {o.status}, not pending approval")
    with approval_errors():
        decided = await decide_and_record(
            tx.session,
            approval,
            SALES_ORDER,
            o.no,
            actor=tx.actor or "",
            actor_roles=roles,
            verdict=verdict,
            comment=comment,
            at=tx.now,
        )
    if decided is None:
        raise DomainError("no_approval", f"order {o.no} has no approval")
    last = decided.last_decision
    assert last is not None
    tx.publish(
        OrderApprovalDecided(
            order_no=o.no,
            level=last.level,
            approver_role=last.role,
            decision=last.verdict,
            decided_by=last.actor,
            comment=last.comment,
            final=decided.status != "pending",
            decided_at=tx.now,
        )
    )
    event = (state.APPROVAL, f"level {last.level} {last.verdict} by {last.actor}", last.comment)
    if decided.status == APPROVED:
        await set_status(tx, o, domain.RESERVING, reason="approved")
        await steps.request_reservation(tx, o, await lines_of(tx, o.no), event)
    elif decided.status == REJECTED:
        await steps.compensate(tx, o, domain.REJECTED, "approval_rejected", last.comment or "rejected")
    else:
        level = decided.current_level or 1  # the next level: its own deadline, reminded first
        due = tx.now + decided.escalation_of(level).remind_after(escalation_defaults(tx.settings))
        tx.publish(approval_requested(o, level, decided.levels, tx.now, due))
        await state.save(tx, o, event, attempts=0, deadline_at=due)
    await _audit(tx, o, f"approval_{last.verdict}", None, {"level": last.level, "comment": last.comment})
    return o

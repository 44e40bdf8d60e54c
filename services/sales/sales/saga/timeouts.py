"""The deadline job: a saga step with no reply by its deadline is re-sent (the receivers are idempotent) up
to `saga_max_attempts` sends, then compensated; a compensation with no acknowledgement is re-sent likewise,
then marked `failed` for people to look at. Safe with several replicas (`servicekit.scheduler`)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.store import escalate_level, load_state
from contracts.sales import OrderApprovalEscalated
from sales import domain
from sales.config import SalesRuntime, SalesSettings, SalesUnit
from sales.db import approval, kit, order_revisions, sagas
from sales.handlers.placing import SALES_ORDER, approval_requested, escalation_defaults
from sales.saga import commands, steps
from sales.saga.state import (
    ACTIVE,
    ADJUST,
    APPROVAL,
    COMPENSATE,
    COMPENSATING,
    CREDIT,
    FAILED,
    RESERVE,
    save,
    step_deadline,
)
from sales.store import Loaded, lines_from_json, lines_of, load
from servicekit import audit
from servicekit.runtime import BackgroundJob
from servicekit.scheduler import periodic
from servicekit.unit import unit_of

log = logging.getLogger(__name__)
JOB = "sales-saga-deadlines"
BATCH = 200


async def tick(runtime: SalesRuntime, session: AsyncSession) -> None:
    async with unit_of(session, runtime) as tx:
        due = await session.scalars(
            select(sagas.c.order_no)
            .where(sagas.c.deadline_at <= tx.now, sagas.c.status.in_([ACTIVE, COMPENSATING]))
            .order_by(sagas.c.deadline_at)
            .limit(BATCH)
        )
        for order_no in list(due):
            await _one(tx, order_no)


async def _one(tx: SalesUnit, order_no: str) -> None:
    """One saga in a savepoint, so a saga that cannot be handled does not hold the others back."""
    kept = len(tx.messages)
    try:
        async with tx.session.begin_nested():
            o = await load(tx, order_no)
            if o is not None and o.saga["deadline_at"] is not None and o.saga["deadline_at"] <= tx.now:
                await on_deadline(tx, o)
    except Exception:
        del tx.messages[kept:]
        log.exception("saga of %s: deadline handling failed; retried next tick", order_no)


async def on_deadline(tx: SalesUnit, o: Loaded) -> None:
    s, max_attempts = o.saga, tx.settings.saga_max_attempts
    attempts = int(s["attempts"])
    if s["status"] == COMPENSATING:
        await _compensation_overdue(tx, o, attempts, max_attempts)
    elif s["step"] == APPROVAL:
        await _approval_overdue(tx, o, attempts)
    elif attempts < max_attempts:
        await _resend(tx, o, attempts + 1)
    else:
        await steps.compensate(tx, o, domain.REJECTED, "timeout", f"no reply to {s['step']} after {attempts} sends")


async def _approval_overdue(tx: SalesUnit, o: Loaded, attempts: int) -> None:
    """A level pending past its due time: reminded first (its role alerted again), then escalated along the
    escalation chain of the level's rule (else the service's, `approval_escalation_roles`), each step after the
    rule's `escalate_after_hours` (else `approval_escalation_seconds`); rejected (`timeout`) only past the chain's
    end."""
    pending = await load_state(tx.session, approval, SALES_ORDER, o.no, lock=True)
    level, role = (pending.current_level, pending.current_role) if pending else (None, None)
    if pending is None or level is None or role is None:
        await steps.compensate(tx, o, domain.REJECTED, "timeout", "no approval decision in time")
        return
    escalation, defaults = pending.escalation_of(level), escalation_defaults(tx.settings)
    due = tx.now + escalation.escalate_after(defaults)
    if attempts == 0:
        tx.publish(approval_requested(o, level, pending.levels, tx.now, due))
        await save(tx, o, (APPROVAL, f"level {level} reminded ({role})", None), attempts=1, deadline_at=due)
        return
    to_role = escalation.next_role(role, defaults)
    if to_role is None:
        detail = f"no approval decision in time (level {level}, {role}: end of the escalation chain)"
        await steps.compensate(tx, o, domain.REJECTED, "timeout", detail)
        return
    since = await escalate_level(tx.session, approval, SALES_ORDER, o.no, level, to_role)
    levels = [*pending.levels[: level - 1], to_role, *pending.levels[level:]]
    tx.publish(
        OrderApprovalEscalated(
            order_no=o.no, customer_code=o.customer, level=level, from_role=role, to_role=to_role,
            pending_since=since or o.saga["started_at"], due_at=due, escalated_at=tx.now,
        )
    )  # fmt: skip
    tx.publish(approval_requested(o, level, levels, tx.now, due))
    event = (APPROVAL, f"level {level} escalated from {role} to {to_role}", None)
    await save(tx, o, event, attempts=attempts + 1, deadline_at=due)
    await audit.record(
        tx.session, kit, actor="system", entity="sales_order", entity_id=o.no, action="approval_escalated",
        before={"level": level, "role": role}, after={"level": level, "role": to_role},
    )  # fmt: skip


async def _resend(tx: SalesUnit, o: Loaded, attempt: int) -> None:
    step = o.saga["step"]
    if step == RESERVE:
        await steps.request_reservation(tx, o, await lines_of(tx, o.no), attempts=attempt)
    elif step == CREDIT:
        await steps.request_credit(tx, o, attempts=attempt)
    elif step == ADJUST:
        previous = await tx.session.scalar(
            select(order_revisions.c.lines).where(
                (order_revisions.c.order_no == o.no) & (order_revisions.c.revision == o.revision - 1)
            )
        )
        targets = domain.reservation_targets(lines_from_json(previous or []), await lines_of(tx, o.no))
        await steps.request_adjustment(tx, o, targets, "re-sent after timeout", attempts=attempt)


async def _compensation_overdue(tx: SalesUnit, o: Loaded, attempts: int, max_attempts: int) -> None:
    s = o.saga
    if attempts >= max_attempts:
        await save(tx, o, (COMPENSATE, "failed: no acknowledgement", None), status=FAILED, deadline_at=None)
        return
    reason = f"{o.status}: compensation re-sent"
    if s["awaiting_release"]:
        tx.publish(commands.release_stock(o, reason))
    if s["awaiting_void"]:
        tx.publish(commands.void_settlement(o, reason))
    await save(
        tx,
        o,
        (COMPENSATE, f"re-sent (attempt {attempts + 1})", None),
        attempts=attempts + 1,
        deadline_at=step_deadline(tx),
    )


def deadline_job(every_seconds: float) -> BackgroundJob[SalesSettings]:
    return periodic(JOB, every_seconds, tick)

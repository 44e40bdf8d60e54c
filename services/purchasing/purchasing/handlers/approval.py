"""Approvals of purchasing documents through the shared engine: starting an approval and
recording a decision (audited, published as ApprovalRequested / ApprovalDecided)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from approvals import ApprovalState, Escalation, EscalationDefaults, plan, plan_escalations, same_approver_allowed
from approvals.schemas import DecisionWrite, WaitingRead
from approvals.store import (
    decide_and_record,
    escalate_level,
    escalation_of,
    load_rules,
    load_state,
    overdue_levels,
    set_due,
    start_approval,
    waiting_for,
)
from approvals.web import approval_errors
from contracts.purchasing import ApprovalDecided, ApprovalEscalated, ApprovalRequested
from purchasing.config import PurchasingRuntime, PurchasingSettings, PurchasingUnit
from purchasing.db import approval, kit, purchase_orders, requisitions
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError
from servicekit.unit import unit_of

DocumentType = Literal["requisition", "purchase_order"]


def escalation_defaults(settings: PurchasingSettings) -> EscalationDefaults:
    """The deadlines and chain of the levels whose rule sets none (a rule's own come first)."""
    return EscalationDefaults.of_seconds(
        settings.approval_timeout_seconds, settings.approval_escalation_seconds, settings.approval_escalation_roles
    )


async def waiting(session: AsyncSession, principal: Principal) -> list[WaitingRead]:
    """Requisitions and purchase orders whose current approval level waits for one of the caller's roles
    (the approvals inbox; sales serves the sales orders'), oldest request first."""
    w = waiting_for(approval, principal.sub, sorted(principal.roles), ["requisition", "purchase_order"]).subquery()
    pr, po = requisitions, purchase_orders
    of_requisitions = select(w, pr.c.department.label("party"), pr.c.amount, pr.c.currency).join(
        pr, (w.c.document_type == literal("requisition")) & (pr.c.pr_no == w.c.document_no)
    )
    of_orders = select(w, po.c.supplier_code.label("party"), po.c.gross.label("amount"), po.c.currency).join(
        po, (w.c.document_type == literal("purchase_order")) & (po.c.po_no == w.c.document_no)
    )
    both = union_all(
        of_requisitions.where(pr.c.status == "submitted"), of_orders.where(po.c.status == "pending_approval")
    ).subquery()
    query = select(both).order_by(both.c.requested_at, both.c.document_no).limit(500)
    return [WaitingRead.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]


async def begin(
    tx: PurchasingUnit,
    document_type: DocumentType,
    document_no: str,
    requester: str,
    amount: Decimal,
    currency: str,
    categories: Iterable[str],
    unless_none: Sequence[str] = (),
) -> list[str]:
    """Plan and store the approval; ask level 1. Returns the levels ([] = no approval needed). `unless_none`: the
    levels to ask when no rule applies but the document needs approval all the same (a purchase order above its
    requisition's approved amount)."""
    rules = await load_rules(tx.session, approval, document_type)
    categories = list(categories)
    levels = plan(rules, document_type, amount, categories)
    escalations = plan_escalations(rules, document_type, amount, categories)
    if not levels:  # no rule: the service's default deadlines
        levels, escalations = list(unless_none), []
    same = same_approver_allowed(rules, document_type, amount, categories)
    now = tx.now
    state = await start_approval(
        tx.session,
        approval,
        document_type,
        document_no,
        requester,
        levels,
        now,
        allow_same_approver=same,
        escalations=escalations,
    )
    if levels:
        await _request(tx, document_type, document_no, 1, levels, amount, currency, state.escalation_of(1))
    return levels


async def _request(
    tx: PurchasingUnit,
    document_type: DocumentType,
    document_no: str,
    level: int,
    levels: list[str] | tuple[str, ...],
    amount: Decimal,
    currency: str,
    escalation: Escalation,
) -> None:
    due = tx.now + escalation.remind_after(escalation_defaults(tx.settings))
    await set_due(tx.session, approval, document_type, document_no, level, due)
    tx.publish(
        ApprovalRequested(
            document_type=document_type,
            document_no=document_no,
            level=level,
            levels_total=len(levels),
            approver_role=levels[level - 1],
            amount=amount,
            currency=currency,
            requested_at=tx.now,
            due_at=due,
        ),
    )


async def _amount_of(session: AsyncSession, document_type: str, document_no: str) -> tuple[Decimal, str]:
    if document_type == "requisition":
        row = (
            await session.execute(
                select(requisitions.c.amount, requisitions.c.currency).where(requisitions.c.pr_no == document_no)
            )
        ).first()
    else:
        row = (
            await session.execute(
                select(purchase_orders.c.gross, purchase_orders.c.currency).where(
                    purchase_orders.c.po_no == document_no
                )
            )
        ).first()
    return (Decimal(row[0]), str(row[1])) if row is not None else (Decimal("0"), "CNY")


async def approval_deadlines(runtime: PurchasingRuntime, session: AsyncSession) -> None:
    """One tick: pending levels past their deadline reminded first (ApprovalRequested again), then escalated along
    the escalation chain of the level's rule, else the service's (ApprovalEscalated, and ApprovalRequested of the
    new role; audited); past the chain's end the level keeps waiting without a deadline."""
    async with unit_of(session, runtime) as tx:
        await _approval_deadlines(tx)


async def _approval_deadlines(tx: PurchasingUnit) -> None:
    session, defaults, now = tx.session, escalation_defaults(tx.settings), tx.now
    for step in await overdue_levels(session, approval, ("requisition", "purchase_order"), now):
        escalation = escalation_of(step._mapping)  # the level's rule's, kept when the approval started
        due = now + escalation.escalate_after(defaults)
        state = await load_state(session, approval, step.document_type, step.document_no)
        if state is None or state.current_level != step.level:
            await set_due(session, approval, step.document_type, step.document_no, step.level, None)
            continue
        amount, currency = await _amount_of(session, step.document_type, step.document_no)
        levels = list(state.levels)
        if step.escalations == 0:
            await set_due(session, approval, step.document_type, step.document_no, step.level, due, reminded=True)
            _announce(tx, step, levels, amount, currency, due)
            continue
        to_role = escalation.next_role(step.role, defaults)
        if to_role is None:
            await set_due(session, approval, step.document_type, step.document_no, step.level, None)
            continue
        await escalate_level(session, approval, step.document_type, step.document_no, step.level, to_role, due)
        levels[step.level - 1] = to_role
        tx.publish(
            ApprovalEscalated(
                document_type=step.document_type, document_no=step.document_no, level=step.level,
                from_role=step.role, to_role=to_role, pending_since=step.requested_at, escalated_at=now,
            ),
        )  # fmt: skip
        _announce(tx, step, levels, amount, currency, due)
        await audit.record(
            session, kit, actor="system", entity=step.document_type, entity_id=step.document_no,
            action="approval_escalated", before={"level": step.level, "role": step.role},
            after={"level": step.level, "role": to_role},
        )  # fmt: skip


def _announce(tx: PurchasingUnit, step: Any, levels: list[str], amount: Decimal, currency: str, due: Any) -> None:
    tx.publish(
        ApprovalRequested(
            document_type=step.document_type, document_no=step.document_no, level=step.level,
            levels_total=len(levels), approver_role=levels[step.level - 1], amount=amount, currency=currency,
            requested_at=tx.now, due_at=due,
        ),
    )  # fmt: skip


async def decide(
    tx: PurchasingUnit,
    principal: Principal,
    document_type: DocumentType,
    document_no: str,
    body: DecisionWrite,
    amount: Decimal,
    currency: str,
) -> ApprovalState:
    """Record one level's decision (engine checks: level role, not the requester, still pending)."""
    now = tx.now
    with approval_errors():
        state = await decide_and_record(
            tx.session,
            approval,
            document_type,
            document_no,
            actor=principal.sub,
            actor_roles=sorted(principal.roles),
            verdict=body.decision,
            comment=body.comment,
            at=now,
        )
    if state is None or state.last_decision is None:
        raise DomainError("no_approval", f"{document_no} has no approval in progress")
    d = state.last_decision
    await audit.record(
        tx.session,
        kit,
        actor=principal.sub,
        entity=document_type,
        entity_id=document_no,
        action=f"approval_{d.verdict}",
        after={"level": d.level, "role": d.role, "decision": d.verdict, "comment": d.comment},
    )
    tx.publish(
        ApprovalDecided(
            document_type=document_type,
            document_no=document_no,
            level=d.level,
            approver_role=d.role,
            decision=d.verdict,
            decided_by=principal.sub,
            comment=d.comment,
            final=state.status != "pending",
            decided_at=now,
        ),
    )
    if state.current_level is not None:
        level = state.current_level
        await _request(
            tx, document_type, document_no, level, state.levels, amount, currency, state.escalation_of(level)
        )
    return state


async def state_of(session: AsyncSession, document_type: DocumentType, document_no: str) -> ApprovalState | None:
    return await load_state(session, approval, document_type, document_no)

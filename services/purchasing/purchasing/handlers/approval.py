"""Approvals of purchasing documents through the shared engine: replacing the rules, starting an approval and
recording a decision (audited, published as ApprovalRequested / ApprovalDecided)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from approvals import ApprovalState, plan, same_approver_allowed
from approvals.schemas import DecisionWrite, RuleRead, RuleSetRead, RuleSetWrite, WaitingRead
from approvals.store import (
    decide_and_record,
    escalate_level,
    load_rules,
    load_state,
    overdue_levels,
    replace_rules,
    set_due,
    start_approval,
    waiting_for,
)
from approvals.web import approval_errors
from contracts.purchasing import ApprovalDecided, ApprovalEscalated, ApprovalRequested
from purchasing.config import PurchasingSettings
from purchasing.db import approval, kit, purchase_orders, requisitions
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError
from servicekit.runtime import Runtime

DocumentType = Literal["requisition", "purchase_order"]


async def set_rules(session: AsyncSession, actor: str, document_type: DocumentType, body: RuleSetWrite) -> RuleSetRead:
    """Replace a document type's approval rules, audited."""
    before = await load_rules(session, approval, document_type)
    saved = await replace_rules(session, approval, document_type, [r.to_rule(document_type) for r in body.rules])
    result = RuleSetRead(document_type=document_type, rules=[RuleRead.of(r) for r in saved])
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="approval_rules",
        entity_id=document_type,
        action="replaced",
        before=[RuleRead.of(r).model_dump(mode="json") for r in before],
        after=result.model_dump(mode="json"),
    )
    return result


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
    session: AsyncSession,
    runtime: Runtime,
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
    rules = await load_rules(session, approval, document_type)
    categories = list(categories)
    levels = plan(rules, document_type, amount, categories) or list(unless_none)
    same = same_approver_allowed(rules, document_type, amount, categories)
    now = runtime.clock.now()
    await start_approval(
        session, approval, document_type, document_no, requester, levels, now, allow_same_approver=same
    )
    if levels:
        await _request(session, runtime, document_type, document_no, 1, levels, amount, currency)
    return levels


async def _request(
    session: AsyncSession,
    runtime: Runtime,
    document_type: DocumentType,
    document_no: str,
    level: int,
    levels: list[str] | tuple[str, ...],
    amount: Decimal,
    currency: str,
) -> None:
    now = runtime.clock.now()
    due = now + timedelta(seconds=_settings(runtime).approval_timeout_seconds)
    await set_due(session, approval, document_type, document_no, level, due)
    await runtime.outbox.add(
        session,
        ApprovalRequested(
            document_type=document_type,
            document_no=document_no,
            level=level,
            levels_total=len(levels),
            approver_role=levels[level - 1],
            amount=amount,
            currency=currency,
            requested_at=now,
            due_at=due,
        ),
    )


def _settings(runtime: Runtime) -> PurchasingSettings:
    settings = runtime.settings
    return settings if isinstance(settings, PurchasingSettings) else PurchasingSettings()


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


async def approval_deadlines(runtime: Runtime, session: AsyncSession) -> None:
    """Pending levels past their deadline: reminded first (ApprovalRequested again), then escalated along the
    escalation chain (ApprovalEscalated, and ApprovalRequested of the new role; audited); past the chain's end
    the level keeps waiting without a deadline."""
    settings, now = _settings(runtime), runtime.clock.now()
    due = now + timedelta(seconds=settings.approval_escalation_seconds)
    for step in await overdue_levels(session, approval, ("requisition", "purchase_order"), now):
        state = await load_state(session, approval, step.document_type, step.document_no)
        if state is None or state.current_level != step.level:
            await set_due(session, approval, step.document_type, step.document_no, step.level, None)
            continue
        amount, currency = await _amount_of(session, step.document_type, step.document_no)
        levels = list(state.levels)
        if step.escalations == 0:
            await set_due(session, approval, step.document_type, step.document_no, step.level, due, reminded=True)
            await _announce(session, runtime, step, levels, amount, currency, due)
            continue
        to_role = settings.approval_escalation_roles.get(step.role)
        if to_role is None or to_role == step.role:
            await set_due(session, approval, step.document_type, step.document_no, step.level, None)
            continue
        await escalate_level(session, approval, step.document_type, step.document_no, step.level, to_role, due)
        levels[step.level - 1] = to_role
        await runtime.outbox.add(
            session,
            ApprovalEscalated(
                document_type=step.document_type, document_no=step.document_no, level=step.level,
                from_role=step.role, to_role=to_role, pending_since=step.requested_at, escalated_at=now,
            ),
        )  # fmt: skip
        await _announce(session, runtime, step, levels, amount, currency, due)
        await audit.record(
            session, kit, actor="system", entity=step.document_type, entity_id=step.document_no,
            action="approval_escalated", before={"level": step.level, "role": step.role},
            after={"level": step.level, "role": to_role},
        )  # fmt: skip


async def _announce(
    session: AsyncSession, runtime: Runtime, step: Any, levels: list[str], amount: Decimal, currency: str, due: Any
) -> None:
    await runtime.outbox.add(
        session,
        ApprovalRequested(
            document_type=step.document_type, document_no=step.document_no, level=step.level,
            levels_total=len(levels), approver_role=levels[step.level - 1], amount=amount, currency=currency,
            requested_at=runtime.clock.now(), due_at=due,
        ),
    )  # fmt: skip


async def decide(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    document_type: DocumentType,
    document_no: str,
    body: DecisionWrite,
    amount: Decimal,
    currency: str,
) -> ApprovalState:
    """Record one level's decision (engine checks: level role, not the requester, still pending)."""
    now = runtime.clock.now()
    with approval_errors():
        state = await decide_and_record(
            session,
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
        session,
        kit,
        actor=principal.sub,
        entity=document_type,
        entity_id=document_no,
        action=f"approval_{d.verdict}",
        after={"level": d.level, "role": d.role, "decision": d.verdict, "comment": d.comment},
    )
    await runtime.outbox.add(
        session,
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
        await _request(
            session, runtime, document_type, document_no, state.current_level, state.levels, amount, currency
        )
    return state


async def state_of(session: AsyncSession, document_type: DocumentType, document_no: str) -> ApprovalState | None:
    return await load_state(session, approval, document_type, document_no)

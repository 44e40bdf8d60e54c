"""Escalating an exception case: one level up its ladder, its SLA restarted, and an alert to its new owner; the
periodic SLA check escalates every case past its SLA."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from contracts import notifier as events
from notifier.config import NotifierUnit
from notifier.db import cases as cases_table
from notifier.db import rules
from notifier.domain.alerts import AlertRule, Raise
from notifier.domain.cases import next_role, sla_due
from notifier.handlers import cases
from notifier.handlers.alerts import raise_alert


async def escalate(unit: NotifierUnit, case: Any, actor: str, reason: str) -> None:
    """Move the case one level up its ladder, restart its SLA, and alert the new owner."""
    session, now = unit.session, unit.now
    cases.guard(case.state, "escalated")
    level = case.level + 1
    role = next_role(case.escalation_roles, level, case.assignee_role)
    due = sla_due(now, case.sla_hours)
    await session.execute(
        update(cases_table)
        .where(cases_table.c.case_no == case.case_no)
        .values(state="escalated", level=level, assignee_role=role, assignee_user=None, sla_due_at=due, updated_at=now)
    )
    await cases.record_history(
        session, case.case_no, case.state, "escalated", actor, now, f"{reason}: level {level} → {role}"
    )
    unit.publish(
        events.ExceptionCaseEscalated(
            case_no=case.case_no,
            level=level,
            reason=reason,
            to_role=role,
            sla_due_at=due,
            escalated_at=now,
        )
    )
    channels = await session.scalar(select(rules.c.channels).where(rules.c.code == case.rule_code))
    rule = AlertRule(
        code="case_escalated",
        severity="critical",
        recipients=[{"kind": "role", "address": role}] if role else [{"kind": "role", "address": "admin"}],
        channels=channels or ["in_app", "email"],
        template_key="case_escalated",
    )
    context = {
        "case_no": case.case_no,
        "case_type": case.case_type,
        "level": level,
        "to_role": role,
        "supplier_code": case.supplier_code,
        "customer_code": case.customer_code,
    }
    await raise_alert(
        unit,
        rule,
        Raise(
            subject_type=case.subject_type,
            subject_id=case.subject_id,
            dedup_key=f"case_escalated|{case.case_no}|{level}",
            context=context,
            case_no=case.case_no,
        ),
    )


async def escalate_breached(unit: NotifierUnit, limit: int = 200) -> int:
    """The periodic SLA check: every open case past its SLA goes one level up."""
    session, now = unit.session, unit.now
    breached = (
        await session.execute(
            select(cases_table)
            .where(cases_table.c.state.in_(("open", "processing", "escalated")), cases_table.c.sla_due_at <= now)
            .order_by(cases_table.c.sla_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for case in breached:
        await escalate(unit, case, cases.SYSTEM, "sla_breached")
    return len(breached)

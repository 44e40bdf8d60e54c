"""Exception cases (异常单): opened by serious alerts, worked by people, escalated past their SLA."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import notifier as events
from notifier.config import NotifierUnit
from notifier.db import alerts, case_comments, case_history, case_links, cases, kit
from notifier.domain.alerts import AlertRule, Raise
from notifier.domain.cases import CaseTransitionError, check_transition, sla_due
from notifier.domain.templates import Rendered
from servicekit.errors import DomainError, NotFoundError
from servicekit.numbering import next_number

SYSTEM = "system"


def _first_role(rule: AlertRule, context: dict[str, Any]) -> str | None:
    for r in rule.recipients:
        if r["kind"] == "role":
            address = r["address"]
            return str(context.get(address[1:])) if address.startswith("$") else address
    return rule.escalation_roles[0] if rule.escalation_roles else None


async def open_case(
    unit: NotifierUnit, rule: AlertRule, fire: Raise, context: dict[str, Any], text: Rendered, alert_id: uuid.UUID
) -> str:
    session, now = unit.session, unit.now
    case_no = await next_number(session, kit, "EXC", now)
    sla_hours = rule.sla_hours or 24
    due = sla_due(now, sla_hours)
    role = _first_role(rule, context)
    case_type = rule.case_type or rule.code
    await session.execute(
        insert(cases).values(
            case_no=case_no,
            case_type=case_type,
            rule_code=rule.code,
            title=text.title(),
            description=text.text(),
            severity=rule.severity,
            subject_type=fire.subject_type,
            subject_id=fire.subject_id,
            supplier_code=context.get("supplier_code"),
            customer_code=context.get("customer_code"),
            state="open",
            assignee_role=role,
            level=0,
            sla_hours=sla_hours,
            sla_due_at=due,
            escalation_roles=list(rule.escalation_roles),
            source_alert_id=alert_id,
            opened_at=now,
            updated_at=now,
        )
    )
    links = {(fire.subject_type, fire.subject_id), *fire.links}
    await session.execute(
        pg_insert(case_links).on_conflict_do_nothing(),
        [{"case_no": case_no, "doc_type": t, "doc_id": i} for t, i in sorted(links)],
    )
    await record_history(session, case_no, None, "open", SYSTEM, now, f"rule {rule.code}")
    unit.publish(
        events.ExceptionCaseOpened(
            case_no=case_no,
            case_type=case_type,
            title=text.title(),
            description=text.text(),
            severity=rule.severity,
            subject_type=fire.subject_type,
            subject_id=fire.subject_id,
            supplier_code=context.get("supplier_code"),
            customer_code=context.get("customer_code"),
            assignee_role=role,
            sla_due_at=due,
            source_alert_id=alert_id,
            opened_at=now,
        )
    )
    return case_no


async def record_history(
    session: AsyncSession,
    case_no: str,
    from_state: str | None,
    to_state: str,
    actor: str,
    at: datetime,
    note: str | None = None,
) -> None:
    await session.execute(
        insert(case_history).values(
            case_no=case_no, from_state=from_state, to_state=to_state, actor=actor, note=note, at=at
        )
    )


async def load_for_update(session: AsyncSession, case_no: str) -> Any:
    row = (await session.execute(select(cases).where(cases.c.case_no == case_no).with_for_update())).first()
    if row is None:
        raise NotFoundError("case", case_no)
    return row


def guard(from_state: str, to_state: str) -> None:
    try:
        check_transition(from_state, to_state)
    except CaseTransitionError as exc:
        raise DomainError("invalid_case_transition", str(exc), state=from_state, to=to_state) from exc


async def assign(unit: NotifierUnit, case_no: str, actor: str, role: str | None, user: str | None) -> None:
    session, now = unit.session, unit.now
    case = await load_for_update(session, case_no)
    guard(case.state, "processing")
    await session.execute(
        update(cases)
        .where(cases.c.case_no == case_no)
        .values(state="processing", assignee_role=role or case.assignee_role, assignee_user=user, updated_at=now)
    )
    await record_history(session, case_no, case.state, "processing", actor, now, f"assigned to {user or role}")
    unit.publish(
        events.ExceptionCaseAssigned(
            case_no=case_no,
            assignee_role=role or case.assignee_role,
            assignee_user=user,
            assigned_by=actor,
            assigned_at=now,
        )
    )


async def comment(unit: NotifierUnit, case_no: str, actor: str, body: str) -> None:
    session, now = unit.session, unit.now
    case = await load_for_update(session, case_no)
    if case.state == "closed":
        raise DomainError("case_closed", f"case {case_no} is closed")
    await session.execute(insert(case_comments).values(case_no=case_no, author=actor, body=body, at=now))


async def link(unit: NotifierUnit, case_no: str, doc_type: str, doc_id: str) -> None:
    session = unit.session
    await load_for_update(session, case_no)
    await session.execute(
        pg_insert(case_links).values(case_no=case_no, doc_type=doc_type, doc_id=doc_id).on_conflict_do_nothing()
    )


async def resolve(unit: NotifierUnit, case_no: str, actor: str, resolution: str) -> None:
    session, now = unit.session, unit.now
    case = await load_for_update(session, case_no)
    guard(case.state, "resolved")
    await session.execute(
        update(cases)
        .where(cases.c.case_no == case_no)
        .values(state="resolved", resolution=resolution, resolved_by=actor, resolved_at=now, updated_at=now)
    )
    await record_history(session, case_no, case.state, "resolved", actor, now, resolution)
    unit.publish(
        events.ExceptionCaseResolved(case_no=case_no, resolution=resolution, resolved_by=actor, resolved_at=now)
    )


async def close(unit: NotifierUnit, case_no: str, actor: str) -> None:
    session, now = unit.session, unit.now
    case = await load_for_update(session, case_no)
    guard(case.state, "closed")
    await session.execute(
        update(cases)
        .where(cases.c.case_no == case_no)
        .values(state="closed", closed_by=actor, closed_at=now, updated_at=now)
    )
    await record_history(session, case_no, case.state, "closed", actor, now)
    # The condition is dealt with: the same anomaly on the same subject may alert (and open a case) again.
    await session.execute(
        update(alerts).where(alerts.c.case_no == case_no, alerts.c.cleared_at.is_(None)).values(cleared_at=now)
    )
    unit.publish(events.ExceptionCaseClosed(case_no=case_no, closed_by=actor, closed_at=now))

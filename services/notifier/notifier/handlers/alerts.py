"""Raising an alert: deduplicated per (rule, subject) until its condition clears; in-app inbox rows,
deliveries for the other channels, an exception case when the rule says so, and `AlertRaised`, all in
the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifier import AlertRaised, Recipient
from notifier.config import NotifierUnit
from notifier.db import alerts, deliveries, inbox_items, order_customers, parties
from notifier.domain.alerts import AlertRule, Raise
from notifier.domain.templates import render
from notifier.handlers import recipients as rcpt
from notifier.handlers.cases import open_case

ALERT_NAMESPACE = uuid.UUID("5b0e7c1e-8d0f-4d9a-9d3e-6e6f74696669")


async def enrich(session: AsyncSession, context: dict[str, Any]) -> None:
    """Add the customer of an order, and customer/supplier names, to a template context."""
    if not context.get("customer_code") and context.get("order_no"):
        context["customer_code"] = await session.scalar(
            select(order_customers.c.customer_code).where(order_customers.c.order_no == context["order_no"])
        )
    for kind in ("customer", "supplier"):
        code = context.get(f"{kind}_code")
        if code and f"{kind}_name" not in context:
            name = await session.scalar(select(parties.c.name).where(parties.c.kind == kind, parties.c.code == code))
            context[f"{kind}_name"] = name or code


async def raise_alert(unit: NotifierUnit, rule: AlertRule, fire: Raise) -> uuid.UUID | None:
    """Raise the alert unless one is open for the same dedup key; returns its id if raised."""
    session, settings, now = unit.session, unit.settings, unit.now
    context = {**fire.context, "rule_code": rule.code, "subject_type": fire.subject_type, "subject_id": fire.subject_id}
    await enrich(session, context)
    text = render(rule.template_key, context)
    who = await rcpt.resolve(
        session,
        settings,
        recipients=rule.recipients,
        channels=rule.channels,
        context=context,
        severity=rule.severity,
        webhook_names=rule.webhooks,
    )
    source = fire.source_event_id or fire.watch_id or fire.case_no or ""
    alert_id = uuid.uuid5(ALERT_NAMESPACE, f"{fire.dedup_key}|{source}")
    contract_recipients = who.contract_recipients() or [{"kind": "role", "address": "admin"}]
    inserted = await session.execute(
        pg_insert(alerts)
        .values(
            alert_id=alert_id,
            rule_code=rule.code,
            dedup_key=fire.dedup_key,
            subject_type=fire.subject_type,
            subject_id=fire.subject_id,
            severity=rule.severity,
            title_zh=text.title_zh,
            title_en=text.title_en,
            body_zh=text.body_zh,
            body_en=text.body_en,
            recipients=contract_recipients,
            channels=list(rule.channels),
            supplier_code=context.get("supplier_code"),
            customer_code=context.get("customer_code"),
            source_event_id=fire.source_event_id,
            watch_id=fire.watch_id,
            raised_at=now,
            delivery_status="pending" if (who.emails or who.phones or who.webhooks) else "none",
        )
        .on_conflict_do_nothing()
        .returning(alerts.c.alert_id)
    )
    if inserted.first() is None:
        return None
    if who.inbox:
        await session.execute(
            insert(inbox_items),
            [{"alert_id": alert_id, "recipient_kind": k, "recipient": n} for k, n in who.inbox],
        )
    jobs = [("email", a) for a in who.emails] + [("sms", p) for p in who.phones]
    jobs += [("webhook", w) for w in who.webhooks]
    if jobs:
        await session.execute(
            insert(deliveries),
            [
                {
                    "alert_id": alert_id,
                    "channel": c,
                    "target": t,
                    "max_attempts": settings.delivery_max_attempts,
                    "next_attempt_at": now,
                }
                for c, t in jobs
            ],
        )
    unit.publish(
        AlertRaised(
            alert_id=alert_id,
            rule_code=rule.code,
            title=text.title(),
            message=text.text(),
            severity=rule.severity,
            subject_type=fire.subject_type,
            subject_id=fire.subject_id,
            recipients=[Recipient.model_validate(r) for r in contract_recipients],
            channels=list(rule.channels),
            source_event_id=fire.source_event_id,
            raised_at=now,
        )
    )
    if rule.opens_case:
        case_no = await open_case(unit, rule, fire, context, text, alert_id)
        await session.execute(update(alerts).where(alerts.c.alert_id == alert_id).values(case_no=case_no))
    return alert_id


async def clear_alerts(session: AsyncSession, now: datetime, *where: Any) -> None:
    await session.execute(update(alerts).where(alerts.c.cleared_at.is_(None), *where).values(cleared_at=now))

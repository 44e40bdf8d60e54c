"""One consumed event: keep the directory and the watches up to date, clear what it clears, and raise the
alerts of the event rules whose conditions hold."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import purchasing, sales
from contracts.envelope import Message
from notifier.config import NotifierSettings, NotifierUnit
from notifier.db import alerts, order_customers, parties, watch_firings, watches
from notifier.domain.alerts import AlertRule, Raise
from notifier.domain.conditions import all_hold, resolve
from notifier.handlers import recipients as rcpt
from notifier.handlers import rule_cache
from notifier.handlers.alerts import clear_alerts, raise_alert
from notifier.subjects import SUBJECTS, Subject, WatchClear, WatchOpen, watch_actions
from servicekit.fastsql import Statement
from servicekit.unit import Batch, Slot

# The customers of orders placed: a batch's at once, or one (see `record_order_customers`).
_ORDER_CUSTOMERS = Statement(
    text(
        "INSERT INTO order_customers (order_no, customer_code, tracking_token)"
        " SELECT * FROM unnest(CAST(:order_nos AS varchar[]), CAST(:customers AS varchar[]),"
        " CAST(:tokens AS varchar[])) ON CONFLICT DO NOTHING"
    )
)
_RECORDED: Slot[set[str]] = Slot("notifier.order_customers_recorded")  # by the batch's preparation


async def record_order_customers(session: AsyncSession, messages: list[Message]) -> None:
    """Before a batch's handlers: the customer of each order it places, in one statement (the directory entry
    `on_event` would otherwise write one by one)."""
    placed = [m for m in messages if isinstance(m, sales.OrderPlaced)]
    if placed:
        await _ORDER_CUSTOMERS.execute(
            session,
            order_nos=[m.order_no for m in placed],
            customers=[m.customer_code for m in placed],
            tokens=[m.tracking_token for m in placed],
        )
        Batch.of(session).setdefault(_RECORDED, set).update(m.order_no for m in placed)


async def changes_nothing(session: AsyncSession, message: Message, settings: NotifierSettings) -> bool:
    """Would `on_event` change nothing for this message: no directory entry, no watch, no rule that clears on it
    or whose conditions hold? Most messages are so (an order's status changes, a stock level nobody watches);
    the consumer passes over them unclaimed (`MessageHandlers.pass_over`)."""
    if isinstance(message, _DIRECTORY) or watch_actions(message, settings.business_timezone):
        return False
    if SUBJECTS[type(message)](message) is None:
        return True
    clearing, firing, _ = await _rules_on(session, message)
    return not clearing and not firing


async def _rules_on(session: AsyncSession, message: Message) -> tuple[list[str], list[Any], dict[str, Any]]:
    """The codes of the enabled rules this message's type clears, and the enabled rules it raises whose
    conditions hold, with the payload they were read against (empty when no rule is raised by its type)."""
    mtype = message.message_type
    found = await rule_cache.rules_for(session, mtype)
    clearing = [r.code for r in found if mtype in r.clears_on]
    matching = [r for r in found if r.event_type == mtype]
    payload = message.model_dump(mode="json") if matching else {}
    return clearing, [r for r in matching if all_hold(r.conditions, payload)], payload


async def on_event(unit: NotifierUnit, message: Message) -> None:
    session, settings, now = unit.session, unit.settings, unit.now
    await _directory(session, message, now)
    for action in watch_actions(message, settings.business_timezone):
        await (_open_watch(session, action) if isinstance(action, WatchOpen) else _clear_watch(session, action, now))
    subject = SUBJECTS[type(message)](message)
    if subject is None:
        return
    clearing, firing, payload = await _rules_on(session, message)
    if clearing:
        await clear_alerts(
            session,
            now,
            alerts.c.rule_code.in_(clearing),
            alerts.c.subject_type == subject.type,
            alerts.c.subject_id == subject.id,
        )
    parties = {
        "customer_code": subject.customer_code,
        "supplier_code": subject.supplier_code,
        "order_no": subject.order_no,
    }
    firing = [r for r in firing if not await rcpt.unreachable(session, r.recipients, r.channels, parties)]
    if firing and subject.order_no:
        payload = {**payload, **await _tracking(session, settings, subject.order_no)}
    for rule in firing:
        await raise_alert(unit, AlertRule.of(rule), _firing(rule, subject, payload, unit))


async def _tracking(session: AsyncSession, settings: NotifierSettings, order_no: str) -> dict[str, str]:
    """The customer's tracking link of the order (`{tracking_url}` in templates), when sales sent its token."""
    token = await session.scalar(select(order_customers.c.tracking_token).where(order_customers.c.order_no == order_no))
    if not token:
        return {}
    base = settings.tracking_base_url.rstrip("/")
    return {"tracking_url": f"{base}/track/{order_no}?token={token}"}


def _firing(rule: Any, subject: Subject, payload: dict[str, Any], unit: NotifierUnit) -> Raise:
    dedup = f"{rule.code}|{subject.type}|{subject.id}"
    if rule.dedup_field:
        dedup += "|" + ",".join(str(v) for v in resolve(payload, rule.dedup_field))
    context = {**payload, **subject.extra}
    for key in ("supplier_code", "customer_code", "order_no"):
        if getattr(subject, key) and not context.get(key):
            context[key] = getattr(subject, key)
    return Raise(
        subject_type=subject.type,
        subject_id=subject.id,
        dedup_key=dedup,
        context=context,
        supplier_code=subject.supplier_code,
        customer_code=subject.customer_code,
        links=subject.links,
        source_event_id=uuid.UUID(unit.causation_id) if unit.causation_id else None,  # the event handled
    )


_DIRECTORY = (sales.CustomerUpserted, purchasing.SupplierUpserted, sales.OrderPlaced)  # what `_directory` records


async def _directory(session: AsyncSession, message: Message, now: datetime) -> None:
    m: Any = message
    if isinstance(message, sales.CustomerUpserted):
        await _party(session, "customer", m.customer_code, m.name, m.email, m.phone, m.updated_at)
    elif isinstance(message, purchasing.SupplierUpserted):
        contact = next((c for c in m.contacts if c.email), m.contacts[0] if m.contacts else None)
        await _party(
            session,
            "supplier",
            m.supplier_code,
            m.name,
            contact and contact.email,
            contact and contact.phone,
            m.updated_at,
        )
    elif isinstance(message, sales.OrderPlaced) and m.order_no not in (Batch.of(session).get(_RECORDED) or ()):
        await record_order_customers(session, [message])


async def _party(
    session: AsyncSession, kind: str, code: str, name: str, email: str | None, phone: str | None, at: datetime
) -> None:
    values = {"name": name, "email": email, "phone": phone, "updated_at": at}
    stmt = pg_insert(parties).values(kind=kind, code=code, **values)
    # Master data: the latest message wins, an older one arriving late changes nothing.
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[parties.c.kind, parties.c.code], set_=values, where=parties.c.updated_at <= at
        )
    )


async def _open_watch(session: AsyncSession, w: WatchOpen) -> None:
    values = {
        "subject_type": w.subject_type,
        "subject_id": w.subject_id,
        "reference_at": w.reference_at,
        "context": w.context,
    }
    stmt = pg_insert(watches).values(watch_type=w.watch_type, watch_key=w.key, **values)
    row = (
        await session.execute(
            stmt.on_conflict_do_update(constraint="uq_watches_type_key", set_={**values, "cleared_at": None}).returning(
                watches.c.id
            )
        )
    ).first()
    # A watch opened again (re-sent PO, new approval round): its time rules may fire again.
    if row is not None:
        await session.execute(delete(watch_firings).where(watch_firings.c.watch_id == row.id))


async def _clear_watch(session: AsyncSession, w: WatchClear, now: datetime) -> None:
    where = [watches.c.watch_type == w.watch_type, watches.c.cleared_at.is_(None)]
    if w.key is not None:
        where.append(watches.c.watch_key == w.key)
    elif w.context_field is not None:
        where.append(watches.c.context[w.context_field[0]].astext == w.context_field[1])
    stmt = update(watches).where(*where).values(cleared_at=now).returning(watches.c.id)
    cleared = (await session.execute(stmt)).scalars().all()
    if cleared:
        await clear_alerts(session, now, alerts.c.watch_id.in_(cleared))

"""The time-rule tick: every watch whose reference time + a rule's offset has passed fires that rule
once (a `watch_firings` row records it), however many replicas tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from notifier.config import NotifierUnit
from notifier.db import rules, watch_firings, watches
from notifier.domain.alerts import AlertRule, Raise
from notifier.handlers.alerts import raise_alert


async def fire_due(unit: NotifierUnit, limit: int = 500) -> int:
    session, now = unit.session, unit.now
    fired = 0
    time_rules = (await session.execute(select(rules).where(rules.c.enabled, rules.c.kind == "time"))).all()
    for rule in time_rules:
        offset = timedelta(minutes=rule.offset_minutes or 0)
        due = (
            await session.execute(
                select(watches)
                .where(
                    watches.c.watch_type == rule.watch_type,
                    watches.c.cleared_at.is_(None),
                    watches.c.reference_at <= now - offset,
                    ~exists().where(
                        and_(watch_firings.c.watch_id == watches.c.id, watch_firings.c.rule_code == rule.code)
                    ),
                )
                .order_by(watches.c.reference_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for watch in due:
            claimed = await session.execute(
                pg_insert(watch_firings)
                .values(watch_id=watch.id, rule_code=rule.code, fired_at=now)
                .on_conflict_do_nothing()
                .returning(watch_firings.c.watch_id)
            )
            if claimed.first() is None:
                continue
            # A reminder *before* a date is pointless once the date has passed (e.g. an invoice issued late).
            if offset < timedelta(0) and now >= watch.reference_at:
                continue
            if await raise_alert(unit, AlertRule.of(rule), _firing(rule, watch, now)):
                fired += 1
    return fired


def _firing(rule: Any, watch: Any, now: datetime) -> Raise:
    elapsed = now - watch.reference_at
    context = {
        **watch.context,
        "days_past": elapsed.days,
        "days_overdue": max(elapsed.days, 0),
        "hours_pending": int(elapsed.total_seconds() // 3600),
        "outstanding": watch.context.get("amount"),
    }
    return Raise(
        subject_type=watch.subject_type,
        subject_id=watch.subject_id,
        dedup_key=f"{rule.code}|{watch.watch_type}|{watch.watch_key}",
        context=context,
        supplier_code=context.get("supplier_code"),
        customer_code=context.get("customer_code"),
        watch_id=watch.id,
    )

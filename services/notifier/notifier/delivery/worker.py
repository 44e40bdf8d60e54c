"""The delivery worker. A delivery is claimed under `FOR UPDATE SKIP LOCKED` and leased (its next attempt
moved a lease ahead) in a short transaction; the network call runs outside any transaction; the outcome is
recorded in a second one. A worker that dies mid-delivery leaves the lease to expire and another picks it
up again, so nothing is dropped (at-least-once). Failures back off exponentially; after the last attempt
the delivery is `failed`, and so is its alert's delivery status."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, case, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.config import NotifierRuntime, NotifierSettings, WebhookEndpoint
from notifier.db import alerts, deliveries, delivery_attempts
from notifier.delivery.content import AlertContent
from notifier.delivery.email import send_email
from notifier.delivery.sms import send_sms
from notifier.delivery.webhooks import post
from notifier.handlers.recipients import endpoints

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: int
    channel: str
    target: str
    attempt: int
    max_attempts: int
    content: AlertContent
    endpoint: WebhookEndpoint | None


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    detail: str
    duration_ms: int


def backoff(settings: NotifierSettings, attempt: int) -> timedelta:
    seconds = settings.delivery_backoff_seconds * 2 ** (attempt - 1)
    return timedelta(seconds=min(seconds, settings.delivery_backoff_max_seconds))


async def _claim(runtime: NotifierRuntime, settings: NotifierSettings, now: datetime) -> list[Job]:
    async with runtime.db.transaction() as session:
        rows = (
            await session.execute(
                select(deliveries, alerts)
                .join(alerts, alerts.c.alert_id == deliveries.c.alert_id)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
                .limit(settings.delivery_batch_size)
                .with_for_update(of=deliveries, skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id.in_([r.id for r in rows]))
            .values(
                attempts=deliveries.c.attempts + 1,
                next_attempt_at=now + timedelta(seconds=settings.delivery_lease_seconds),
            )
        )
        named = (
            {e.name: e for e in await endpoints(session, settings)} if any(r.channel == "webhook" for r in rows) else {}
        )
    return [
        Job(r.id, r.channel, r.target, r.attempts + 1, r.max_attempts, AlertContent.of(r), named.get(r.target))
        for r in rows
    ]


async def _send(job: Job, settings: NotifierSettings, client: httpx.AsyncClient, now: datetime) -> Outcome:
    started = time.perf_counter()
    try:
        if job.channel == "email":
            detail = await send_email(settings, job.target, job.content)
        elif job.channel == "sms":
            detail = await send_sms(client, settings, job.target, job.content)
        elif job.endpoint is None:
            raise RuntimeError(f"webhook endpoint {job.target} is not configured")
        elif not job.endpoint.enabled:
            raise RuntimeError(f"webhook endpoint {job.target} is disabled")
        else:
            detail = await post(client, job.endpoint, job.content, now)
        ok = True
    except Exception as exc:  # every failure is an attempt's result, logged and retried
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:1000]
    return Outcome(job, ok, detail, int((time.perf_counter() - started) * 1000))


async def _record(session: AsyncSession, settings: NotifierSettings, now: datetime, outcomes: list[Outcome]) -> None:
    await session.execute(
        insert(delivery_attempts),
        [
            {
                "delivery_id": o.job.id,
                "attempt_no": o.job.attempt,
                "at": now,
                "ok": o.ok,
                "detail": o.detail,
                "duration_ms": o.duration_ms,
            }
            for o in outcomes
        ],
    )
    for o in outcomes:
        if o.ok:
            values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
        elif o.job.attempt >= o.job.max_attempts:
            values = {"status": "failed", "failed_at": now, "last_error": o.detail}
            log.warning(
                "delivery %s (%s → %s) failed after %d attempts: %s",
                o.job.id,
                o.job.channel,
                o.job.target,
                o.job.attempt,
                o.detail,
            )
        else:
            values = {"last_error": o.detail, "next_attempt_at": now + backoff(settings, o.job.attempt)}
        await session.execute(update(deliveries).where(deliveries.c.id == o.job.id).values(**values))
    alert_ids = {o.job.content.alert_id for o in outcomes}
    d = deliveries.alias("d")
    await session.execute(
        update(alerts)
        .where(alerts.c.alert_id.in_(alert_ids))
        .values(
            delivery_status=case(
                (exists().where(and_(d.c.alert_id == alerts.c.alert_id, d.c.status == "failed")), "failed"),
                (exists().where(and_(d.c.alert_id == alerts.c.alert_id, d.c.status == "pending")), "pending"),
                else_="delivered",
            )
        )
    )


async def deliver_due(runtime: NotifierRuntime, client: httpx.AsyncClient | None = None) -> int:
    """One pass: claim due deliveries, send them concurrently, record every attempt. Returns how many."""
    settings = runtime.settings
    now = runtime.clock.now()
    jobs = await _claim(runtime, settings, now)
    if not jobs:
        return 0
    own = client is None
    http = client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
    try:
        outcomes = list(await asyncio.gather(*(_send(j, settings, http, now) for j in jobs)))
    finally:
        if own:
            await http.aclose()
    async with runtime.db.transaction() as session:
        await _record(session, settings, runtime.clock.now(), outcomes)
    return len(outcomes)


async def delivery_worker(runtime: NotifierRuntime) -> None:
    """The background loop (one per replica; replicas share the work through SKIP LOCKED)."""
    settings = runtime.settings
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        while True:
            try:
                done = await deliver_due(runtime, client)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery pass failed; retrying")
                done = 0
            if done == 0:
                await asyncio.sleep(settings.delivery_poll_seconds)

"""Background jobs: the time-rule and case-SLA ticks (advisory-locked, so replicas do not double up) and
the delivery worker loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Envelope, Message
from notifier.config import NotifierRuntime, NotifierSettings
from notifier.delivery.worker import delivery_worker
from notifier.handlers.escalation import escalate_breached
from notifier.handlers.time_rules import fire_due
from servicekit.scheduler import periodic

if TYPE_CHECKING:
    from servicekit.runtime import BackgroundJob

TIME_RULES = "notifier.time_rules"
CASE_SLA = "notifier.case_sla"


def _publisher(runtime: NotifierRuntime, session: AsyncSession):  # type: ignore[no-untyped-def]
    async def publish(message: Message) -> Envelope:
        return await runtime.outbox.add(session, message)

    return publish


async def time_rules_tick(runtime: NotifierRuntime, session: AsyncSession) -> None:
    settings = runtime.settings
    await fire_due(session, _publisher(runtime, session), settings, runtime.clock.now())


async def case_sla_tick(runtime: NotifierRuntime, session: AsyncSession) -> None:
    settings = runtime.settings
    await escalate_breached(session, _publisher(runtime, session), settings, runtime.clock.now())


def background(settings: NotifierSettings) -> list[BackgroundJob[NotifierSettings]]:
    jobs: list[BackgroundJob[NotifierSettings]] = []
    if settings.start_scheduler:
        jobs += [
            periodic(TIME_RULES, settings.scheduler_seconds, time_rules_tick),
            periodic(CASE_SLA, settings.scheduler_seconds, case_sla_tick),
        ]
    if settings.start_delivery_worker:
        jobs.append(delivery_worker)
    return jobs

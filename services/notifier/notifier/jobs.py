"""Background jobs: the time-rule and case-SLA ticks (advisory-locked, so replicas do not double up) and
the delivery worker loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from notifier.config import NotifierRuntime, NotifierSettings
from notifier.delivery.worker import delivery_worker
from notifier.handlers.escalation import escalate_breached
from notifier.handlers.time_rules import fire_due
from servicekit.scheduler import periodic
from servicekit.unit import unit_of

if TYPE_CHECKING:
    from servicekit.runtime import BackgroundJob

TIME_RULES = "notifier.time_rules"
CASE_SLA = "notifier.case_sla"


async def time_rules_tick(runtime: NotifierRuntime, session: AsyncSession) -> None:
    async with unit_of(session, runtime) as unit:
        await fire_due(unit)


async def case_sla_tick(runtime: NotifierRuntime, session: AsyncSession) -> None:
    async with unit_of(session, runtime) as unit:
        await escalate_breached(unit)


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

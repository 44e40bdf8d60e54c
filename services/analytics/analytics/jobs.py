"""Background jobs: the refresh of the snapshots and the derived totals (monthly per sku, customer credit per day,
order cycle per month: so reports find them fresh) and the supplier
score publication. Each tick runs under the scheduler's advisory lock: one replica at a time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.config import AnalyticsRuntime, AnalyticsSettings
from analytics.domain import ScoreWeights, business_day
from analytics.handlers import customers, monthly, order_cycle, snapshots
from analytics.handlers.scores import publish_scores
from servicekit.runtime import BackgroundJob
from servicekit.scheduler import periodic
from servicekit.unit import unit_of

SNAPSHOTS = "analytics-snapshots"
SCORES = "analytics-supplier-scores"


async def snapshot_tick(runtime: AnalyticsRuntime, session: AsyncSession) -> None:
    await snapshots.refresh(session, business_day(runtime.clock.now(), runtime.settings.tz))
    await monthly.refresh(session)
    await customers.refresh(session)
    await order_cycle.refresh(session, runtime.settings.company_timezone, runtime.settings.deadlines)


async def score_tick(runtime: AnalyticsRuntime, session: AsyncSession) -> None:
    s = runtime.settings
    weights = ScoreWeights(s.score_weight_on_time, s.score_weight_fill, s.score_weight_quality, s.score_weight_price)
    async with unit_of(session, runtime) as unit:
        await publish_scores(unit, weights, s.score_window_days, business_day(unit.now, s.tz))


def background(settings: AnalyticsSettings) -> list[BackgroundJob[AnalyticsSettings]]:
    jobs = []
    if settings.start_snapshot_refresher:
        jobs.append(periodic(SNAPSHOTS, settings.snapshot_refresh_seconds, snapshot_tick))
    if settings.start_score_publisher:
        jobs.append(periodic(SCORES, settings.score_publish_seconds, score_tick))
    return jobs

"""Publishing the supplier scores (SupplierScored, through the outbox): the scorecard over the trailing window
to today; a supplier's score is published when it differs from the one last published."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from analytics.config import AnalyticsUnit
from analytics.domain import Filters, Period, ScoreWeights
from analytics.handlers.suppliers import scorecard
from contracts.analytics import SupplierScored

_LAST = text("SELECT supplier_code, score, standing FROM published_scores")
_RECORD = text(
    "INSERT INTO published_scores (supplier_code, score, standing, published_at) "
    "VALUES (:supplier_code, :score, :standing, :at) ON CONFLICT (supplier_code) DO UPDATE SET "
    "score = excluded.score, standing = excluded.standing, published_at = excluded.published_at"
)


async def publish_scores(
    unit: AnalyticsUnit, weights: ScoreWeights, window_days: int, today: date
) -> list[dict[str, Any]]:
    session, now = unit.session, unit.now
    period = Period(today - timedelta(days=window_days - 1), today)
    cards = (await scorecard(session, Filters(period), weights, today))["suppliers"]
    last = {r.supplier_code: (r.score, r.standing) for r in (await session.execute(_LAST)).all()}
    published = []
    for card in cards:
        if card["score"] is None or last.get(card["supplier_code"]) == (card["score"], card["standing"]):
            continue
        message = SupplierScored(
            supplier_code=card["supplier_code"],
            score=Decimal(card["score"]),
            standing=card["standing"],
            period_from=period.start,
            period_to=period.end,
            on_time_pct=card["on_time_pct"],
            fill_pct=min(card["fill_pct"], Decimal("100")) if card["fill_pct"] is not None else None,
            rejection_pct=card["rejection_pct"],
            lines_measured=card["lines"],
            scored_at=now,
        )
        unit.publish(message)
        await session.execute(
            _RECORD,
            {"supplier_code": card["supplier_code"], "score": card["score"], "standing": card["standing"], "at": now},
        )
        published.append(message.model_dump(mode="json"))
    return published

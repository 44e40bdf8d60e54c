"""Order cycle: placed → confirmed → shipped → delivered → paid, the hours each step took, p50 and p90 per month
(of placement, in the company's time zone) and channel; the share of orders stuck past each step's deadline (the
step came later than its deadline after the previous one, or has not come and the deadline has passed).
Cancelled and rejected orders are left out."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import Filters, cents
from analytics.handlers.purchase_sales import CUSTOMER, where

STEPS = ("placed", "confirmed", "shipped", "delivered", "paid")

PAIRS = (*itertools.pairwise(STEPS), ("placed", "paid"))


def _hours_sql(a: str, b: str) -> str:
    return f"CAST(extract(epoch FROM {b} - {a}) / 3600 AS double precision)"


# Everything is aggregated in the database (p50 and p90 by percentile_cont, as `domain.percentile`): one row per
# month and channel comes back, never one per order.
_FIGURES = ", ".join(
    f"count(d_{a}_{b}) AS n_{a}_{b}, percentile_cont(0.5) WITHIN GROUP (ORDER BY d_{a}_{b}) AS p50_{a}_{b}, "
    f"percentile_cont(0.9) WITHIN GROUP (ORDER BY d_{a}_{b}) AS p90_{a}_{b}"
    for a, b in PAIRS
)
_STUCK = ", ".join(
    f"count({a}) AS reached_{b}, count(*) FILTER (WHERE w_{b} > :deadline_{b}) AS late_{b}"
    for a, b in itertools.pairwise(STEPS)
)
_DURATIONS = ", ".join(f"{_hours_sql(a, b)} AS d_{a}_{b}" for a, b in PAIRS)
_WAITS = ", ".join(f"{_hours_sql(a, f'coalesce({b}, :now)')} AS w_{b}" for a, b in itertools.pairwise(STEPS))
_STEP_TIMES = ", ".join(f"max(st.at) FILTER (WHERE st.step = '{step}') AS {step}" for step in STEPS)
_GROUPS = text(
    f"""
    WITH o AS (
        SELECT o.channel, {_STEP_TIMES}
        FROM orders o JOIN order_steps st USING (order_no)
        WHERE {where("o", CUSTOMER)}
        GROUP BY o.order_no, o.channel
        HAVING count(*) FILTER (WHERE st.step IN ('cancelled', 'rejected')) = 0
           AND CAST(max(st.at) FILTER (WHERE st.step = 'placed') AT TIME ZONE :tz AS date) BETWEEN :start AND :end
    ),
    h AS (
        SELECT channel, to_char(placed AT TIME ZONE :tz, 'YYYY-MM') AS month, placed, confirmed, shipped, delivered,
               {_DURATIONS}, {_WAITS}
        FROM o
    )
    SELECT month, channel, count(*) AS orders, {_FIGURES}, {_STUCK}
    FROM h GROUP BY 1, 2 ORDER BY month COLLATE "C", channel COLLATE "C"
    """
)


def _stats(r: Any, name: str) -> dict[str, Any]:
    p50, p90 = getattr(r, f"p50_{name}"), getattr(r, f"p90_{name}")
    return {
        "count": getattr(r, f"n_{name}"),
        "p50_hours": cents(p50) if p50 is not None else None,
        "p90_hours": cents(p90) if p90 is not None else None,
    }


async def order_cycle(
    session: AsyncSession, f: Filters, tz: str, deadlines: dict[str, float], now: datetime
) -> dict[str, Any]:
    params = {**f.params(), "tz": tz, "now": now, **{f"deadline_{k}": v for k, v in deadlines.items()}}
    out = []
    for r in (await session.execute(_GROUPS, params)).all():
        steps = {f"{a}_to_{b}": _stats(r, f"{a}_{b}") for a, b in PAIRS}
        stuck = {}
        for _, step in itertools.pairwise(STEPS):
            reached, late = getattr(r, f"reached_{step}"), getattr(r, f"late_{step}")
            stuck[step] = {
                "deadline_hours": deadlines[step],
                "orders": reached,
                "past_deadline": late,
                "share_pct": cents(late * 100 / reached) if reached else None,
            }
        out.append({"month": r.month, "channel": r.channel, "orders": r.orders, "steps": steps, "stuck": stuck})
    return {"period": {"from": f.period.start, "to": f.period.end}, "groups": out}

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

from analytics.domain import Filters, cents, percentile
from analytics.handlers.purchase_sales import CUSTOMER, where

STEPS = ("placed", "confirmed", "shipped", "delivered", "paid")

_ORDERS = text(
    f"""
    SELECT o.channel,
           CAST(date_trunc('month', max(st.at) FILTER (WHERE st.step = 'placed') AT TIME ZONE :tz) AS date) AS month,
           max(st.at) FILTER (WHERE st.step = 'placed') AS placed,
           max(st.at) FILTER (WHERE st.step = 'confirmed') AS confirmed,
           max(st.at) FILTER (WHERE st.step = 'shipped') AS shipped,
           max(st.at) FILTER (WHERE st.step = 'delivered') AS delivered,
           max(st.at) FILTER (WHERE st.step = 'paid') AS paid
    FROM orders o JOIN order_steps st USING (order_no)
    WHERE {where("o", CUSTOMER)}
    GROUP BY o.order_no, o.channel
    HAVING count(*) FILTER (WHERE st.step IN ('cancelled', 'rejected')) = 0
       AND CAST(max(st.at) FILTER (WHERE st.step = 'placed') AT TIME ZONE :tz AS date) BETWEEN :start AND :end
    """
)


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() / 3600 if a is not None and b is not None else None


def _stats(values: list[float]) -> dict[str, Any]:
    values.sort()
    p50, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {
        "count": len(values),
        "p50_hours": cents(p50) if p50 is not None else None,
        "p90_hours": cents(p90) if p90 is not None else None,
    }


async def order_cycle(
    session: AsyncSession, f: Filters, tz: str, deadlines: dict[str, float], now: datetime
) -> dict[str, Any]:
    rows = (await session.execute(_ORDERS, {**f.params(), "tz": tz})).all()
    groups: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        groups.setdefault((r.month.strftime("%Y-%m"), r.channel), []).append(r)
    out = []
    for (month, channel), orders in sorted(groups.items()):
        steps, stuck = {}, {}
        for prev, step in itertools.pairwise(STEPS):
            durations = [h for o in orders if (h := _hours(getattr(o, prev), getattr(o, step))) is not None]
            steps[f"{prev}_to_{step}"] = _stats(durations)
            reached = [o for o in orders if getattr(o, prev) is not None]
            late = [o for o in reached if (_hours(getattr(o, prev), getattr(o, step) or now) or 0) > deadlines[step]]
            stuck[step] = {
                "deadline_hours": deadlines[step],
                "orders": len(reached),
                "past_deadline": len(late),
                "share_pct": cents(len(late) * 100 / len(reached)) if reached else None,
            }
        total = [h for o in orders if (h := _hours(o.placed, o.paid)) is not None]
        steps["placed_to_paid"] = _stats(total)
        out.append({"month": month, "channel": channel, "orders": len(orders), "steps": steps, "stuck": stuck})
    return {"period": {"from": f.period.start, "to": f.period.end}, "groups": out}

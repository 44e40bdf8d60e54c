"""Order cycle: placed → confirmed → shipped → delivered → paid, the hours each step took, p50 and p90 per month
(of placement, in the company's time zone) and channel; the share of orders stuck past each step's deadline (the
step came later than its deadline after the previous one, or has not come and the deadline has passed).
Cancelled and rejected orders are left out.

The period's whole months are read from `order_cycle_monthly` when no customer is asked for: per month and
channel, the figures exactly as computed from the orders (p50 and p90 are not sums: the month is recomputed
from its orders whenever a step of one of them arrives, the snapshot job's and the report's refresh), plus the
orders still waiting for a step, counted at the report's `now` against their deadline. The partial months at a
period's edges, and a customer, are read from the orders."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import Filters, Period, cents
from analytics.handlers.monthly import next_month, split, take_dirty, within
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
_WAITS = ", ".join(
    f"{_hours_sql(a, f'coalesce({b}, CAST(:now AS timestamptz))')} AS w_{b}" for a, b in itertools.pairwise(STEPS)
)
_STEP_TIMES = ", ".join(f"max(st.at) FILTER (WHERE st.step = '{step}') AS {step}" for step in STEPS)
# The orders placed on the business days :start..:end (the partial index on the placed step's time), each with
# its steps' times, the hours each pair of steps took and each step's wait (till :now when it has not come).
_ORDERS = f"""
    p AS (
        SELECT order_no FROM order_steps
        WHERE step = 'placed' AND at >= CAST(CAST(:start AS date) AS timestamp) AT TIME ZONE :tz
          AND at < CAST(CAST(:end AS date) + 1 AS timestamp) AT TIME ZONE :tz
    ),
    o AS (
        SELECT o.order_no, o.channel, {_STEP_TIMES}
        FROM p JOIN orders o USING (order_no) JOIN order_steps st USING (order_no)
        WHERE {where("o", CUSTOMER)}
        GROUP BY o.order_no, o.channel
        HAVING count(*) FILTER (WHERE st.step IN ('cancelled', 'rejected')) = 0
    ),
    h AS (
        SELECT order_no, channel, CAST(date_trunc('month', placed AT TIME ZONE :tz) AS date) AS month,
               placed, confirmed, shipped, delivered, paid, {_DURATIONS}, {_WAITS}
        FROM o
    )
"""
_GROUPS = text(
    f"""
    WITH {_ORDERS}
    SELECT to_char(month, 'YYYY-MM') AS month, channel, count(*) AS orders, {_FIGURES}, {_STUCK}
    FROM h GROUP BY h.month, channel ORDER BY h.month, channel COLLATE "C"
    """
)

# The monthly figures (`order_cycle_monthly`), recomputed for a month of placement: the same aggregates of the
# same orders, with the steps that came late (a `:now` before every order: a step not come is not late here) and,
# apart, the orders still waiting for a step (`order_cycle_pending`, since the step before it).
_PENDING = " UNION ALL ".join(
    f"SELECT month, channel, order_no, '{b}', {a} FROM h WHERE {a} IS NOT NULL AND {b} IS NULL"
    for a, b in itertools.pairwise(STEPS)
)
_DEADLINES = ", ".join(f"CAST(:deadline_{b} AS double precision)" for _, b in itertools.pairwise(STEPS))
_MONTHLY_COLUMNS = ", ".join(
    ["month", "channel", "orders"]
    + [f"{x}_{a}_{b}" for a, b in PAIRS for x in ("n", "p50", "p90")]
    + [f"{x}_{b}" for _, b in itertools.pairwise(STEPS) for x in ("reached", "late")]
    + [f"deadline_{b}" for _, b in itertools.pairwise(STEPS)]
)
_RECOMPUTE = text(
    f"""
    WITH {_ORDERS},
    pending AS (
        INSERT INTO order_cycle_pending (month, channel, order_no, step, since) {_PENDING}
    )
    INSERT INTO order_cycle_monthly ({_MONTHLY_COLUMNS})
    SELECT month, channel, count(*), {_FIGURES}, {_STUCK}, {_DEADLINES}
    FROM h GROUP BY month, channel
    """
)
_CLEAR = (
    text("DELETE FROM order_cycle_monthly WHERE month = :month"),
    text("DELETE FROM order_cycle_pending WHERE month = :month"),
)
_TAKE_DIRTY = take_dirty("order_cycle_dirty", "month")
# Months computed with other deadlines than today's settings are computed again.
_OTHER_DEADLINES = text(
    "INSERT INTO order_cycle_dirty (month) SELECT DISTINCT month FROM order_cycle_monthly WHERE "
    + " OR ".join(f"deadline_{b} <> CAST(:deadline_{b} AS double precision)" for _, b in itertools.pairwise(STEPS))
    + " ON CONFLICT (month) DO UPDATE SET month = excluded.month"
)
_WAITED = "CAST(extract(epoch FROM CAST(:now AS timestamptz) - q.since) / 3600 AS double precision)"
_FROM_MONTHS = text(
    f"""
    WITH q AS (
        SELECT q.month, q.channel, {", ".join(
            f"count(*) FILTER (WHERE q.step = '{b}' AND {_WAITED} > :deadline_{b}) AS late_{b}"
            for _, b in itertools.pairwise(STEPS)
        )}
        FROM order_cycle_pending q WHERE q.month BETWEEN :first AND :last GROUP BY 1, 2
    )
    SELECT to_char(m.month, 'YYYY-MM') AS month, m.channel, m.orders,
           {", ".join(f"m.{x}_{a}_{b}" for a, b in PAIRS for x in ("n", "p50", "p90"))},
           {", ".join(f"m.reached_{b}, m.late_{b} + coalesce(q.late_{b}, 0) AS late_{b}"
                      for _, b in itertools.pairwise(STEPS))}
    FROM order_cycle_monthly m LEFT JOIN q USING (month, channel)
    WHERE m.month BETWEEN :first AND :last
    ORDER BY m.month, m.channel COLLATE "C"
    """
)  # fmt: skip


async def refresh(session: AsyncSession, tz: str, deadlines: dict[str, float]) -> int:
    """Recompute every dirty month (`monthly.take_dirty`), and those computed with other deadlines; the number
    recomputed."""
    limits = {f"deadline_{k}": v for k, v in deadlines.items()}
    await session.execute(_OTHER_DEADLINES, limits)
    months = sorted(r.month for r in (await session.execute(_TAKE_DIRTY)).all())
    for month in months:
        for clear in _CLEAR:
            await session.execute(clear, {"month": month})
        params = {
            **Filters(Period(month, next_month(month) - timedelta(days=1))).params(),
            **limits,
            "tz": tz,
            "now": EPOCH,
        }
        await session.execute(_RECOMPUTE, params)
    return len(months)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _stats(r: Any, name: str) -> dict[str, Any]:
    p50, p90 = getattr(r, f"p50_{name}"), getattr(r, f"p90_{name}")
    return {
        "count": getattr(r, f"n_{name}"),
        "p50_hours": cents(p50) if p50 is not None else None,
        "p90_hours": cents(p90) if p90 is not None else None,
    }


async def _groups(
    session: AsyncSession, f: Filters, tz: str, deadlines: dict[str, float], now: datetime, aggregate: bool
) -> list[Any]:
    """One row per month and channel: from the monthly figures for the period's whole months when no customer
    is asked for, from the orders for the rest (a partial month at either edge is a group of its own)."""
    params = {**f.params(), "tz": tz, "now": now, **{f"deadline_{k}": v for k, v in deadlines.items()}}
    parts = split(f.period) if aggregate and f.customer is None else None
    if parts is None or parts.months is None:
        return list((await session.execute(_GROUPS, params)).all())
    await refresh(session, tz, deadlines)
    rows: list[Any] = []
    if parts.head:
        rows += (await session.execute(_GROUPS, {**params, **within(f, parts.head)})).all()
    first, last = parts.months
    rows += (await session.execute(_FROM_MONTHS, {**params, "first": first, "last": last})).all()
    if parts.tail:
        rows += (await session.execute(_GROUPS, {**params, **within(f, parts.tail)})).all()
    return rows


async def order_cycle(
    session: AsyncSession, f: Filters, tz: str, deadlines: dict[str, float], now: datetime, *, aggregate: bool = True
) -> dict[str, Any]:
    """`aggregate=False` reads every order of the period (the reference the monthly figures are tested
    against)."""
    out = []
    for r in await _groups(session, f, tz, deadlines, now, aggregate):
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

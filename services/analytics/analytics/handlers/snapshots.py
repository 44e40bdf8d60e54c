"""Daily stock snapshots: on hand and value per sku, warehouse and business day, recomputed from the stock facts
(receipts, shipments, adjustments) for each sku a fact touched, from the first day it changed on, through
today. The value is on hand × the sku's moving-average cost at the end of that day (the latest cost inventory
stated by then: a receipt's `avg_cost_after`, a shipment's `unit_cost`, an adjustment's `unit_cost` when stock
came in).

With them, `stock_monthly` (value-days and COGS per month, sku and warehouse: inventory turnover's source for
whole months) is recomputed for the same sku from the month of that first day on."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.handlers.monthly import take_dirty

_TAKE_DIRTY = take_dirty("stock_dirty", "sku")
_HORIZON = text("SELECT through_day FROM snapshot_horizon WHERE id = 1 FOR UPDATE")
_SET_HORIZON = text(
    "INSERT INTO snapshot_horizon (id, through_day) VALUES (1, :day) "
    "ON CONFLICT (id) DO UPDATE SET through_day = excluded.through_day"
)
_EXTEND = text(
    "INSERT INTO stock_dirty (sku, from_day) SELECT DISTINCT sku, CAST(:day AS date) FROM stock_daily "
    "ON CONFLICT (sku) DO UPDATE SET from_day = least(stock_dirty.from_day, excluded.from_day)"
)
_DELETE_FROM = text("DELETE FROM stock_daily WHERE sku = :sku AND day >= :from_day")
# One statement per sku. The grid is every warehouse × every day from :from_day (rows before a warehouse's first
# movement are dropped at the end, after the windows ran over them); the cost of a day is the last one stated by
# its end, carried forward: `grp` counts the days with a cost so far, so a day and the cost-less days after it
# share a group whose only cost is that day's.
_RECOMPUTE = text(
    """
    WITH moves AS (
        SELECT warehouse_code, day, qty_accepted AS qty FROM receipt_lines WHERE sku = :sku
        UNION ALL SELECT warehouse_code, day, -qty FROM shipment_lines WHERE sku = :sku
        UNION ALL SELECT warehouse_code, day, qty_delta FROM stock_adjustments WHERE sku = :sku
    ),
    costs AS (
        SELECT day, at, avg_cost_after AS cost FROM receipt_lines WHERE sku = :sku AND avg_cost_after IS NOT NULL
        UNION ALL SELECT day, at, unit_cost FROM shipment_lines WHERE sku = :sku
        UNION ALL SELECT day, at, unit_cost FROM stock_adjustments
            WHERE sku = :sku AND unit_cost IS NOT NULL AND qty_delta > 0
    ),
    day_cost AS (SELECT DISTINCT ON (day) day, cost FROM costs WHERE day >= :from_day ORDER BY day, at DESC),
    opening_cost AS (SELECT cost FROM costs WHERE day < :from_day ORDER BY day DESC, at DESC LIMIT 1),
    warehouses AS (SELECT warehouse_code, min(day) AS first_day FROM moves GROUP BY warehouse_code),
    grid AS (
        SELECT w.warehouse_code, w.first_day, CAST(d AS date) AS day FROM warehouses w,
        generate_series(CAST(:from_day AS date), CAST(:through AS date), interval '1 day') d
    ),
    opening AS (SELECT warehouse_code, sum(qty) AS qty FROM moves WHERE day < :from_day GROUP BY warehouse_code),
    daily AS (SELECT warehouse_code, day, sum(qty) AS qty FROM moves WHERE day >= :from_day GROUP BY 1, 2),
    levels AS (
        SELECT g.warehouse_code, g.first_day, g.day, c.cost,
               coalesce(o.qty, 0) + sum(coalesce(d.qty, 0))
                   OVER (PARTITION BY g.warehouse_code ORDER BY g.day) AS on_hand,
               count(c.cost) OVER (PARTITION BY g.warehouse_code ORDER BY g.day) AS grp
        FROM grid g
        LEFT JOIN daily d ON d.warehouse_code = g.warehouse_code AND d.day = g.day
        LEFT JOIN opening o ON o.warehouse_code = g.warehouse_code
        LEFT JOIN day_cost c ON c.day = g.day
    ),
    valued AS (
        SELECT warehouse_code, first_day, day, on_hand,
               coalesce(max(cost) OVER (PARTITION BY warehouse_code, grp), (SELECT cost FROM opening_cost), 0) AS cost
        FROM levels
    )
    INSERT INTO stock_daily (sku, warehouse_code, day, on_hand, value)
    SELECT :sku, warehouse_code, day, on_hand, round(on_hand * cost, 2) FROM valued WHERE day >= first_day
    """
)


_DELETE_MONTHS = text("DELETE FROM stock_monthly WHERE sku = :sku AND month >= :month")
_RECOMPUTE_MONTHS = text(
    """
    INSERT INTO stock_monthly (month, sku, warehouse_code, value_days, cogs)
    SELECT month, :sku, warehouse_code, sum(value_days), sum(cogs) FROM (
        SELECT CAST(date_trunc('month', day) AS date) AS month, warehouse_code, value AS value_days, 0 AS cogs
        FROM stock_daily WHERE sku = :sku AND day >= :month
        UNION ALL
        SELECT CAST(date_trunc('month', day) AS date), warehouse_code, 0, round(qty * unit_cost, 2)
        FROM shipment_lines WHERE sku = :sku AND day >= :month
    ) x
    GROUP BY 1, 3
    """
)


async def refresh(session: AsyncSession, today: date) -> int:
    """Bring the snapshots up to date through `today`; the number of skus recomputed. Safe to run at any time,
    by any replica (the dirty marks: `monthly.take_dirty`)."""
    through = await session.scalar(_HORIZON)
    if through is None or through < today:
        if through is not None:
            await session.execute(_EXTEND, {"day": through + timedelta(days=1)})
        await session.execute(_SET_HORIZON, {"day": today})
    elif through > today:  # a clock set back (tests): snapshots run to the horizon already
        today = through
    dirty = (await session.execute(_TAKE_DIRTY)).all()
    for sku, from_day in dirty:
        await session.execute(_DELETE_FROM, {"sku": sku, "from_day": from_day})
        await session.execute(_RECOMPUTE, {"sku": sku, "from_day": from_day, "through": today})
        month = from_day.replace(day=1)
        await session.execute(_DELETE_MONTHS, {"sku": sku, "month": month})
        await session.execute(_RECOMPUTE_MONTHS, {"sku": sku, "month": month})
    return len(dirty)

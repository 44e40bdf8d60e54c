"""Top and slow-moving products, and inventory turnover, from the invoice lines, shipments and the daily stock
snapshots."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import ZERO, Filters, cents, turnover_days
from analytics.handlers import monthly
from analytics.handlers.purchase_sales import CATEGORY, CUSTOMER, SKU, WAREHOUSE, where

_TOP = text(
    f"""
    SELECT i.sku, p.name, p.category, sum(i.qty) AS qty, sum(i.net) AS revenue
    FROM invoice_lines i LEFT JOIN products p ON p.sku = i.sku
    WHERE i.issue_date BETWEEN :start AND :end AND {where("i", SKU, CUSTOMER)} AND {where("p", CATEGORY)}
      AND NOT EXISTS (SELECT FROM invoice_voids v WHERE v.invoice_no = i.invoice_no)
      AND (CAST(:warehouse AS varchar) IS NULL OR EXISTS (
           SELECT FROM shipment_lines s WHERE s.do_no = i.do_no AND s.warehouse_code = :warehouse))
    GROUP BY 1, 2, 3
    """
)

# Whole months with no warehouse or customer filter: the monthly totals (see handlers/monthly.py).
_TOP_MONTHS = text(
    f"""
    SELECT m.sku, p.name, p.category, sum(m.sales_qty) AS qty, sum(m.sales) AS revenue
    FROM sku_monthly m LEFT JOIN products p ON p.sku = m.sku
    WHERE m.month BETWEEN :first AND :last AND {where("m", SKU)} AND {where("p", CATEGORY)}
    GROUP BY 1, 2, 3 HAVING sum(m.sales_lines) > 0
    """
)

# On hand and its value at the end of :end (each sku/warehouse's latest snapshot by then), the last sale by then.
_SLOW = text(
    f"""
    WITH latest AS (
        SELECT DISTINCT ON (d.sku, d.warehouse_code) d.sku, d.warehouse_code, d.on_hand, d.value
        FROM stock_daily d
        WHERE d.day <= :end AND {where("d", SKU, WAREHOUSE)}
        ORDER BY d.sku, d.warehouse_code, d.day DESC
    ),
    stock AS (SELECT sku, sum(on_hand) AS on_hand, sum(value) AS value FROM latest GROUP BY sku)
    SELECT st.sku, p.name, p.category, st.on_hand, st.value,
           (SELECT max(s.day) FROM shipment_lines s WHERE s.sku = st.sku AND s.day <= :end
              AND {where("s", WAREHOUSE)}) AS last_sale,
           (SELECT min(d.day) FROM stock_daily d WHERE d.sku = st.sku AND {where("d", WAREHOUSE)}) AS first_stock
    FROM stock st LEFT JOIN products p ON p.sku = st.sku
    WHERE st.on_hand > 0 AND {where("p", CATEGORY)}
    """
)


async def _sold(session: AsyncSession, f: Filters, aggregate: bool) -> list[Any]:
    """Quantity and revenue invoiced per sku in the period: the monthly totals for its whole months when the
    filters allow, the invoice lines for the rest."""
    parts = await monthly.plan(session, f, aggregate)
    if parts is None or parts.months is None:
        return list((await session.execute(_TOP, f.params())).all())
    first, last = parts.months
    rows = list((await session.execute(_TOP_MONTHS, {**f.params(), "first": first, "last": last})).all())
    for edge in (parts.head, parts.tail):
        if edge:
            rows += (await session.execute(_TOP, monthly.within(f, edge))).all()
    sold: dict[str, Sold] = {}
    for r in rows:
        was = sold.get(r.sku)
        sold[r.sku] = Sold(r.sku, r.name, r.category, r.qty + was.qty, r.revenue + was.revenue) if was else Sold(*r)
    return list(sold.values())


@dataclass(frozen=True)
class Sold:
    sku: str
    name: str | None
    category: str | None
    qty: Decimal
    revenue: Decimal


async def movers(
    session: AsyncSession,
    f: Filters,
    by: Literal["qty", "revenue"],
    limit: int,
    slow_days: int,
    *,
    aggregate: bool = True,
) -> dict[str, Any]:
    """`aggregate=False` reads every invoice line of the period (the reference the monthly totals are tested
    against)."""
    rows = await _sold(session, f, aggregate)
    top = sorted(rows, key=lambda r: (-(r.qty if by == "qty" else r.revenue), r.sku))[:limit]
    slow = []
    for r in (await session.execute(_SLOW, f.params())).all():
        since: date | None = r.last_sale or r.first_stock
        days = (f.period.end - since).days if since else None
        if days is not None and days >= slow_days:
            slow.append(
                {
                    "sku": r.sku,
                    "name": r.name,
                    "category": r.category,
                    "on_hand": r.on_hand,
                    "stock_value": cents(r.value),
                    "last_sale": r.last_sale,
                    "days_since_last_sale": days,
                }
            )
    slow.sort(key=lambda x: (-x["days_since_last_sale"], x["sku"]))
    return {
        "period": {"from": f.period.start, "to": f.period.end},
        "by": by,
        "top": [
            {"rank": n, "sku": r.sku, "name": r.name, "category": r.category, "qty": r.qty, "revenue": cents(r.revenue)}
            for n, r in enumerate(top, 1)
        ],
        "slow_days": slow_days,
        "slow": slow,
    }


_VALUES = text(
    f"""
    SELECT d.sku, d.warehouse_code, p.category, sum(d.value) AS value_days
    FROM stock_daily d LEFT JOIN products p ON p.sku = d.sku
    WHERE d.day BETWEEN :start AND :end AND {where("d", SKU, WAREHOUSE)} AND {where("p", CATEGORY)}
    GROUP BY 1, 2, 3
    """
)
_COGS = text(
    f"""
    SELECT s.sku, s.warehouse_code, p.category, sum(round(s.qty * s.unit_cost, 2)) AS cogs
    FROM shipment_lines s LEFT JOIN products p ON p.sku = s.sku
    WHERE s.day BETWEEN :start AND :end AND {where("s", SKU, WAREHOUSE)} AND {where("p", CATEGORY)}
    GROUP BY 1, 2, 3
    """
)

# Whole months: the monthly value-days and COGS (kept with the snapshots, see handlers/snapshots.py).
_MONTHS = text(
    f"""
    SELECT m.sku, m.warehouse_code, p.category, sum(m.value_days) AS value_days, sum(m.cogs) AS cogs
    FROM stock_monthly m LEFT JOIN products p ON p.sku = m.sku
    WHERE m.month BETWEEN :first AND :last AND {where("m", SKU, WAREHOUSE)} AND {where("p", CATEGORY)}
    GROUP BY 1, 2, 3
    """
)

Group = Literal["sku", "category", "warehouse"]


async def turnover(session: AsyncSession, f: Filters, group: Group, *, aggregate: bool = True) -> dict[str, Any]:
    """Turnover days = average inventory value ÷ COGS × days in the period, the average over every day of the
    period (a day without stock counts as 0). The snapshots must be fresh (`snapshots.refresh`). The period's
    whole months are read from `stock_monthly`, its partial months at the edges from the snapshots and shipments
    (`aggregate=False`: all of it, the reference the monthly figures are tested against)."""
    value_days: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    cogs: dict[Any, Decimal] = defaultdict(lambda: ZERO)

    def key(r: Any) -> Any:
        return {"sku": r.sku, "category": r.category, "warehouse": r.warehouse_code}[group]

    parts = monthly.split(f.period) if aggregate else None
    edges = [f.period] if parts is None or parts.months is None else [p for p in (parts.head, parts.tail) if p]
    if parts is not None and parts.months is not None:
        first, last = parts.months
        for r in (await session.execute(_MONTHS, {**f.params(), "first": first, "last": last})).all():
            value_days[key(r)] += r.value_days
            cogs[key(r)] += r.cogs
    for edge in edges:
        for r in (await session.execute(_VALUES, monthly.within(f, edge))).all():
            value_days[key(r)] += r.value_days
        for r in (await session.execute(_COGS, monthly.within(f, edge))).all():
            cogs[key(r)] += r.cogs
    days = f.period.days
    rows = []
    for k in sorted(set(value_days) | set(cogs), key=lambda x: x or ""):
        average = cents(value_days[k] / days)
        rows.append(
            {
                group: k,
                "average_inventory_value": average,
                "cogs": cents(cogs[k]),
                "turnover_days": turnover_days(average, cogs[k], days),
            }
        )
    return {"period": {"from": f.period.start, "to": f.period.end}, "days": days, "group": group, "rows": rows}

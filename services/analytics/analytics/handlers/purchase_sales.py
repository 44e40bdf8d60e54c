"""Monthly purchase vs sales: purchases received (accepted quantity × receipt cost) and billed (bill lines' net),
sales invoiced (invoice lines' net, voided invoices left out), cost of goods sold (shipped quantity × the
moving-average cost at dispatch) and gross margin, per month, category and sku; purchase price changes month
over month above the threshold flagged (the PO lines' quantity-weighted unit price)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import ZERO, Filters, cents, pct, price_change_pct
from analytics.handlers import monthly

# A NULL filter matches everything: CAST gives asyncpg the parameter's type.
SKU = "(CAST(:sku AS varchar) IS NULL OR {t}.sku = :sku)"
WAREHOUSE = "(CAST(:warehouse AS varchar) IS NULL OR {t}.warehouse_code = :warehouse)"
SUPPLIER = "(CAST(:supplier AS varchar) IS NULL OR {t}.supplier_code = :supplier)"
CUSTOMER = "(CAST(:customer AS varchar) IS NULL OR {t}.customer_code = :customer)"
CATEGORY = "(CAST(:category AS varchar) IS NULL OR {t}.category = :category)"


def where(t: str, *filters: str) -> str:
    return " AND ".join(f.format(t=t) for f in filters)


_MONTHLY = text(
    f"""
    WITH f AS (
        SELECT date_trunc('month', r.day) AS month, r.sku, round(r.qty_accepted * r.unit_cost, 2) AS received,
               0 AS billed, 0 AS sales, 0 AS cogs
        FROM receipt_lines r
        WHERE r.day BETWEEN :start AND :end AND {where("r", SKU, WAREHOUSE, SUPPLIER)}
        UNION ALL
        SELECT date_trunc('month', b.bill_date), b.sku, 0, b.net, 0, 0
        FROM bill_lines b LEFT JOIN po_lines p ON p.po_no = b.po_no AND p.line_no = b.po_line_no
        WHERE b.bill_date BETWEEN :start AND :end AND {where("b", SKU, SUPPLIER)}
          AND (CAST(:warehouse AS varchar) IS NULL OR p.warehouse_code = :warehouse)
        UNION ALL
        SELECT date_trunc('month', i.issue_date), i.sku, 0, 0, i.net, 0
        FROM invoice_lines i
        WHERE i.issue_date BETWEEN :start AND :end AND {where("i", SKU, CUSTOMER)}
          AND NOT EXISTS (SELECT FROM invoice_voids v WHERE v.invoice_no = i.invoice_no)
          AND (CAST(:warehouse AS varchar) IS NULL OR EXISTS (
               SELECT FROM shipment_lines s WHERE s.do_no = i.do_no AND s.warehouse_code = :warehouse))
        UNION ALL
        SELECT date_trunc('month', s.day), s.sku, 0, 0, 0, round(s.qty * s.unit_cost, 2)
        FROM shipment_lines s
        WHERE s.day BETWEEN :start AND :end AND {where("s", SKU, WAREHOUSE)}
          AND (CAST(:customer AS varchar) IS NULL OR EXISTS (
               SELECT FROM orders o WHERE o.order_no = s.order_no AND o.customer_code = :customer))
    )
    SELECT CAST(f.month AS date) AS month, f.sku, p.category, sum(f.received) AS received,
           sum(f.billed) AS billed, sum(f.sales) AS sales, sum(f.cogs) AS cogs
    FROM f LEFT JOIN products p ON p.sku = f.sku
    WHERE {where("p", CATEGORY)}
    GROUP BY 1, 2, 3 ORDER BY 1, 2
    """
)

# Whole months with no warehouse, supplier or customer filter: the monthly totals (see handlers/monthly.py).
_AGGREGATE = text(
    f"""
    SELECT m.month, m.sku, p.category, m.received, m.billed, m.sales, m.cogs
    FROM sku_monthly m LEFT JOIN products p ON p.sku = m.sku
    WHERE m.month BETWEEN :first AND :last AND {where("m", SKU)} AND {where("p", CATEGORY)}
    ORDER BY 1, 2
    """
)

_PRICES = text(
    f"""
    SELECT CAST(date_trunc('month', l.sent_day) AS date) AS month, l.sku,
           sum(l.qty * l.unit_price) / sum(l.qty) AS price
    FROM po_lines l LEFT JOIN products p ON p.sku = l.sku
    WHERE l.sent_day BETWEEN CAST(date_trunc('month', CAST(:start AS date)) - interval '1 month' AS date) AND :end
      AND {where("l", SKU, SUPPLIER, WAREHOUSE)} AND {where("p", CATEGORY)}
      AND NOT EXISTS (SELECT FROM po_cancellations c WHERE c.po_no = l.po_no)
    GROUP BY 1, 2 ORDER BY 2, 1
    """
)


def _line(month: Any, sku: str | None, category: str | None, v: dict[str, Decimal]) -> dict[str, Any]:
    margin = v["sales"] - v["cogs"]
    return {
        "month": month.strftime("%Y-%m") if month else None,
        "sku": sku,
        "category": category,
        "purchases_received": cents(v["received"]),
        "purchases_billed": cents(v["billed"]),
        "sales_invoiced": cents(v["sales"]),
        "cogs": cents(v["cogs"]),
        "gross_margin": cents(margin),
        "gross_margin_pct": pct(margin, v["sales"]),
    }


async def _monthly_rows(session: AsyncSession, f: Filters, aggregate: bool) -> list[Any]:
    """(month, sku) rows in month and sku order: from the monthly totals for the period's whole months when the
    filters allow, from the facts for the rest."""
    parts = await monthly.plan(session, f, aggregate)
    if parts is None or parts.months is None:
        return list((await session.execute(_MONTHLY, f.params())).all())
    rows: list[Any] = []
    if parts.head:
        rows += (await session.execute(_MONTHLY, monthly.within(f, parts.head))).all()
    first, last = parts.months
    rows += (await session.execute(_AGGREGATE, {**f.params(), "first": first, "last": last})).all()
    if parts.tail:
        rows += (await session.execute(_MONTHLY, monthly.within(f, parts.tail))).all()
    return rows


async def monthly_purchase_vs_sales(
    session: AsyncSession, f: Filters, threshold_pct: Decimal, *, aggregate: bool = True
) -> dict[str, Any]:
    """`aggregate=False` reads every fact of the period (the reference the monthly totals are tested against)."""
    rows = await _monthly_rows(session, f, aggregate)
    keys = ("received", "billed", "sales", "cogs")
    months: dict[Any, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(keys, ZERO))
    by_category: dict[tuple[Any, str | None], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(keys, ZERO))
    lines = []
    for r in rows:
        v = {"received": r.received, "billed": r.billed, "sales": r.sales, "cogs": r.cogs}
        lines.append(_line(r.month, r.sku, r.category, v))
        for k in keys:
            months[r.month][k] += v[k]
            by_category[(r.month, r.category)][k] += v[k]
    return {
        "period": {"from": f.period.start, "to": f.period.end},
        "months": [_line(m, None, None, v) for m, v in sorted(months.items())],
        "categories": [
            _line(m, None, c, v) for (m, c), v in sorted(by_category.items(), key=lambda x: (x[0][0], x[0][1] or ""))
        ],
        "lines": lines,
        "price_changes": await _price_changes(session, f, threshold_pct),
    }


async def _price_changes(session: AsyncSession, f: Filters, threshold_pct: Decimal) -> list[dict[str, Any]]:
    rows = (await session.execute(_PRICES, f.params())).all()
    changes, previous = [], None
    for r in rows:
        price = cents(r.price)
        if previous is not None and previous[0] == r.sku and r.month >= f.period.start.replace(day=1):
            change = price_change_pct(previous[2], price)
            if change is not None:
                changes.append(
                    {
                        "sku": r.sku,
                        "month": r.month.strftime("%Y-%m"),
                        "previous_month": previous[1].strftime("%Y-%m"),
                        "previous_price": previous[2],
                        "price": price,
                        "change_pct": change,
                        "flagged": abs(change) > threshold_pct,
                    }
                )
        previous = (r.sku, r.month, price)
    return changes

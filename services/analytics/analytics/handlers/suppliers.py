"""Supplier scorecard over the purchase order lines of the period (those that fell due in it, by today, and those
goods arrived for in it; purchase order not cancelled): on-time delivery (the line's whole ordered quantity
received by its expected date), fill rate (received ÷ ordered), rejection rate (rejected ÷ received), price
variance (billed net vs the billed quantity at the PO price), actual vs quoted lead time (last receipt − sent,
expected − sent, in days); the weighted score and standing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import Filters, ScoreWeights, cents, pct, standing, supplier_score
from analytics.handlers.purchase_sales import CATEGORY, SKU, SUPPLIER, WAREHOUSE, where

_SCORECARD = text(
    f"""
    WITH lines AS (
        SELECT l.po_no, l.line_no, l.supplier_code, l.qty, l.unit_price, l.expected_date, l.sent_day,
               coalesce(sum(r.qty_received), 0) AS received,
               coalesce(sum(r.qty_rejected), 0) AS rejected,
               coalesce(sum(r.qty_received) FILTER (WHERE r.day <= l.expected_date), 0) AS received_on_time,
               max(r.day) AS last_receipt
        FROM po_lines l
        LEFT JOIN receipt_lines r ON r.po_no = l.po_no AND r.po_line_no = l.line_no
        LEFT JOIN products p ON p.sku = l.sku
        WHERE (l.expected_date BETWEEN :start AND least(CAST(:end AS date), CAST(:today AS date))
               OR EXISTS (SELECT FROM receipt_lines x WHERE x.po_no = l.po_no AND x.po_line_no = l.line_no
                          AND x.day BETWEEN :start AND :end))
          AND {where("l", SKU, SUPPLIER, WAREHOUSE)} AND {where("p", CATEGORY)}
          AND NOT EXISTS (SELECT FROM po_cancellations c WHERE c.po_no = l.po_no)
        GROUP BY l.po_no, l.line_no
    ),
    billed AS (
        SELECT b.po_no, b.po_line_no, sum(b.qty) AS qty, sum(b.net) AS net
        FROM bill_lines b WHERE b.po_no IS NOT NULL GROUP BY 1, 2
    )
    SELECT l.supplier_code, s.name, s.typed_score, count(*) AS lines,
           count(*) FILTER (WHERE l.received_on_time >= l.qty) AS on_time_lines,
           sum(l.qty) AS ordered, sum(l.received) AS received, sum(l.rejected) AS rejected,
           sum(b.net) AS billed_net, sum(round(b.qty * l.unit_price, 2)) AS billed_at_po,
           avg(l.last_receipt - l.sent_day) FILTER (WHERE l.received >= l.qty) AS actual_lead_days,
           avg(l.expected_date - l.sent_day) AS quoted_lead_days
    FROM lines l
    LEFT JOIN billed b ON b.po_no = l.po_no AND b.po_line_no = l.line_no
    LEFT JOIN suppliers s ON s.code = l.supplier_code
    GROUP BY 1, 2, 3 ORDER BY 1
    """
)


def _card(r: Any, weights: ScoreWeights) -> dict[str, Any]:
    on_time = pct(Decimal(r.on_time_lines), Decimal(r.lines))
    fill = pct(r.received, r.ordered)
    rejection = pct(r.rejected, r.received)
    variance = pct(r.billed_net - r.billed_at_po, r.billed_at_po) if r.billed_net is not None else None
    score = supplier_score(weights, on_time, fill, rejection, variance)
    return {
        "supplier_code": r.supplier_code,
        "name": r.name,
        "lines": r.lines,
        "on_time_pct": on_time,
        "fill_pct": fill,
        "rejection_pct": rejection,
        "price_variance_pct": variance,
        "actual_lead_days": cents(r.actual_lead_days) if r.actual_lead_days is not None else None,
        "quoted_lead_days": cents(r.quoted_lead_days) if r.quoted_lead_days is not None else None,
        "score": score,
        "standing": standing(score) if score is not None else None,
        "typed_score": r.typed_score,
    }


async def scorecard(session: AsyncSession, f: Filters, weights: ScoreWeights, today: date) -> dict[str, Any]:
    rows = (await session.execute(_SCORECARD, {**f.params(), "today": today})).all()
    return {
        "period": {"from": f.period.start, "to": f.period.end},
        "suppliers": [_card(r, weights) for r in rows],
    }

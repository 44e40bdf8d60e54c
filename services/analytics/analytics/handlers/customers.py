"""Customer credit score (advisory: limits stay with people): over the invoices issued in the period, payment
punctuality (days paid after the due date, weighted by the amount paid), the overdue share of what is still
outstanding at the period's end, volume, voided invoices and cancelled orders; a grade with its reasons.

The figures are read from `credit_daily`: per customer, issue day and due date, the totals of its invoices that
do not depend on the period's end (invoiced, voided, paid, amount × days late, outstanding) and the last day a
payment was allocated to them. A (customer, issue day, due date) whose last payment came after the period's end
is read from its invoices and payments instead (paid by the end, outstanding at the end: the invoices of the
last weeks of a period that is over, a few thousand at a million order lines); the others' totals are the
period end's. So a 12-month report adds up customers × days rows, not every invoice with its payments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import ZERO, CreditFacts, Filters, cents, credit_grade
from analytics.handlers.monthly import take_dirty
from analytics.handlers.purchase_sales import CUSTOMER, where

# The invoices' figures at the period's end, customer by customer, from the facts: over the period's invoices
# (`_FACTS`), or over those of the (customer, issue day, due date) triples the daily totals cannot answer.
_PER = """
    per AS (
        SELECT inv.customer_code,
               sum(inv.gross) FILTER (WHERE NOT voided) AS invoiced,
               count(*) FILTER (WHERE NOT voided) AS invoices,
               coalesce(sum(inv.gross) FILTER (WHERE voided), 0) AS voided,
               count(*) FILTER (WHERE voided) AS voids,
               sum(greatest(inv.gross - coalesce(p.paid, 0), 0)) FILTER (WHERE NOT voided) AS outstanding,
               sum(greatest(inv.gross - coalesce(p.paid, 0), 0))
                   FILTER (WHERE NOT voided AND inv.due_date < :end) AS overdue,
               sum(p.paid) FILTER (WHERE NOT voided) AS paid,
               sum(p.late_amount_days) FILTER (WHERE NOT voided) AS late_amount_days
        FROM inv LEFT JOIN LATERAL (
            -- each invoice's payments by the period's end, through the index on their invoice (a join of the
            -- invoices' CTE with a grouped one was planned as a nested loop over both: 40 s at a million lines)
            SELECT sum(a.amount) AS paid, sum(a.amount * greatest(a.day - inv.due_date, 0)) AS late_amount_days
            FROM payment_allocations a WHERE a.invoice_no = inv.invoice_no AND a.day <= :end
        ) p ON true
        GROUP BY 1
    )
"""
# Orders cancelled on the period's business days (the partial index on the cancelled step's time).
_CANCELLED_AND_NAMES = f"""
    cancelled AS (
        SELECT o.customer_code, count(*) AS cancelled FROM order_steps st JOIN orders o USING (order_no)
        WHERE st.step = 'cancelled' AND {where("o", CUSTOMER)}
          AND st.at >= CAST(CAST(:start AS date) AS timestamp) AT TIME ZONE :tz
          AND st.at < CAST(CAST(:end AS date) + 1 AS timestamp) AT TIME ZONE :tz
        GROUP BY 1
    )
    SELECT per.*, c.name, c.credit_limit, coalesce(x.cancelled, 0) AS cancelled
    FROM per LEFT JOIN customers c ON c.code = per.customer_code
    LEFT JOIN cancelled x ON x.customer_code = per.customer_code
    ORDER BY per.customer_code
"""
_INVOICE = "EXISTS (SELECT FROM invoice_voids v WHERE v.invoice_no = i.invoice_no) AS voided"

_FACTS = text(
    f"""
    WITH inv AS (
        SELECT i.invoice_no, i.customer_code, i.gross, i.due_date, {_INVOICE}
        FROM invoices i
        WHERE i.issue_date BETWEEN :start AND :end AND {where("i", CUSTOMER)}
    ),
    {_PER},
    {_CANCELLED_AND_NAMES}
    """
)

_TOTALS = ", ".join(
    f"CAST(sum({c}) AS {'integer' if c in ('invoices', 'voids') else 'numeric'}) AS {c}"
    for c in ("invoiced", "invoices", "voided", "voids", "outstanding", "overdue", "paid", "late_amount_days")
)
_AGGREGATE = text(
    f"""
    WITH agg AS (
        SELECT * FROM credit_daily c WHERE c.issue_date BETWEEN :start AND :end AND {where("c", CUSTOMER)}
    ),
    inv AS (
        SELECT i.invoice_no, i.customer_code, i.gross, i.due_date, {_INVOICE}
        FROM agg JOIN invoices i ON i.customer_code = agg.customer_code AND i.issue_date = agg.issue_date
             AND i.due_date = agg.due_date
        WHERE agg.last_paid_day > :end
    ),
    {_PER.replace("    per AS (", "    per_facts AS (")},
    per_days AS (
        SELECT customer_code, sum(invoiced) AS invoiced, sum(invoices) AS invoices, sum(voided) AS voided,
               sum(voids) AS voids, sum(outstanding) AS outstanding,
               sum(outstanding) FILTER (WHERE due_date < :end) AS overdue, sum(paid) AS paid,
               sum(late_amount_days) AS late_amount_days
        FROM agg WHERE last_paid_day IS NULL OR last_paid_day <= :end
        GROUP BY 1
    ),
    per AS (
        SELECT customer_code, {_TOTALS}
        FROM (
            SELECT customer_code, invoiced, invoices, voided, voids, outstanding, overdue, paid, late_amount_days
            FROM per_facts
            UNION ALL
            SELECT customer_code, invoiced, invoices, voided, voids, outstanding, overdue, paid, late_amount_days
            FROM per_days
        ) x
        GROUP BY 1
    ),
    {_CANCELLED_AND_NAMES}
    """
)

_TAKE_DIRTY = take_dirty("credit_daily_dirty", "customer_code, issue_date")
_DELETE = text(
    "DELETE FROM credit_daily c USING unnest(CAST(:customers AS varchar[]), CAST(:days AS date[])) "
    "AS d(customer_code, issue_date) WHERE c.customer_code = d.customer_code AND c.issue_date = d.issue_date"
)
_RECOMPUTE = text(
    f"""
    WITH d AS (
        SELECT * FROM unnest(CAST(:customers AS varchar[]), CAST(:days AS date[])) AS d(customer_code, issue_date)
    ),
    inv AS (
        SELECT i.invoice_no, i.customer_code, i.issue_date, i.due_date, i.gross, {_INVOICE}
        FROM d JOIN invoices i ON i.customer_code = d.customer_code AND i.issue_date = d.issue_date
    ),
    p AS (
        SELECT a.invoice_no, sum(a.amount) AS paid, sum(a.amount * greatest(a.day - inv.due_date, 0)) AS late,
               max(a.day) AS last_day
        FROM inv JOIN payment_allocations a USING (invoice_no) GROUP BY 1
    )
    INSERT INTO credit_daily (customer_code, issue_date, due_date, invoiced, invoices, voided, voids, paid,
                              late_amount_days, outstanding, last_paid_day)
    SELECT inv.customer_code, inv.issue_date, inv.due_date,
           coalesce(sum(inv.gross) FILTER (WHERE NOT voided), 0), count(*) FILTER (WHERE NOT voided),
           coalesce(sum(inv.gross) FILTER (WHERE voided), 0), count(*) FILTER (WHERE voided),
           coalesce(sum(p.paid) FILTER (WHERE NOT voided), 0), coalesce(sum(p.late) FILTER (WHERE NOT voided), 0),
           coalesce(sum(greatest(inv.gross - coalesce(p.paid, 0), 0)) FILTER (WHERE NOT voided), 0),
           max(p.last_day) FILTER (WHERE NOT voided)
    FROM inv LEFT JOIN p USING (invoice_no)
    GROUP BY 1, 2, 3
    """
)


async def refresh(session: AsyncSession) -> int:
    """Recompute every dirty (customer, issue day) (`monthly.take_dirty`); the number recomputed."""
    dirty = (await session.execute(_TAKE_DIRTY)).all()
    if dirty:
        keys = {"customers": [r.customer_code for r in dirty], "days": [r.issue_date for r in dirty]}
        await session.execute(_DELETE, keys)
        await session.execute(_RECOMPUTE, keys)
    return len(dirty)


async def credit_scores(session: AsyncSession, f: Filters, tz: str, *, aggregate: bool = True) -> dict[str, Any]:
    """`aggregate=False` reads every invoice and payment of the period (the reference the daily totals are
    tested against)."""
    if aggregate:
        await refresh(session)
    query = _AGGREGATE if aggregate else _FACTS
    rows = (await session.execute(query, {**f.params(), "tz": tz})).all()
    out = []
    for r in rows:
        paid = r.paid or ZERO
        facts = CreditFacts(
            invoiced=r.invoiced or ZERO,
            invoices=r.invoices,
            paid=paid,
            avg_days_late=cents(r.late_amount_days / paid) if paid else None,
            outstanding=r.outstanding or ZERO,
            overdue=r.overdue or ZERO,
            voided=r.voided,
            voids=r.voids,
            cancelled_orders=r.cancelled,
        )
        score, grade, reasons = credit_grade(facts)
        out.append(
            {
                "customer_code": r.customer_code,
                "name": r.name,
                "credit_limit": r.credit_limit,
                "invoiced": cents(facts.invoiced),
                "invoices": facts.invoices,
                "paid": cents(paid),
                "avg_days_late": facts.avg_days_late,
                "outstanding": cents(facts.outstanding),
                "overdue": cents(facts.overdue),
                "overdue_pct": cents(facts.overdue * 100 / facts.outstanding) if facts.outstanding else cents(0),
                "voided": cents(facts.voided),
                "voids": facts.voids,
                "cancelled_orders": facts.cancelled_orders,
                "score": score,
                "grade": grade,
                "reasons": reasons,
            }
        )
    return {"period": {"from": f.period.start, "to": f.period.end}, "advisory": True, "customers": out}

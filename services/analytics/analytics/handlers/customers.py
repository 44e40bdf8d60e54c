"""Customer credit score (advisory: limits stay with people): over the invoices issued in the period, payment
punctuality (days paid after the due date, weighted by the amount paid), the overdue share of what is still
outstanding at the period's end, volume, voided invoices and cancelled orders; a grade with its reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import ZERO, CreditFacts, Filters, cents, credit_grade
from analytics.handlers.purchase_sales import CUSTOMER, where

_CREDIT = text(
    f"""
    WITH inv AS (
        SELECT i.invoice_no, i.customer_code, i.gross, i.due_date,
               EXISTS (SELECT FROM invoice_voids v WHERE v.invoice_no = i.invoice_no) AS voided
        FROM invoices i
        WHERE i.issue_date BETWEEN :start AND :end AND {where("i", CUSTOMER)}
    ),
    paid AS (
        SELECT a.invoice_no, a.amount, a.day FROM payment_allocations a JOIN inv USING (invoice_no)
        WHERE a.day <= :end
    ),
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
        FROM inv LEFT JOIN (
            SELECT paid.invoice_no, sum(paid.amount) AS paid,
                   sum(paid.amount * greatest(paid.day - inv.due_date, 0)) AS late_amount_days
            FROM paid JOIN inv USING (invoice_no) GROUP BY 1
        ) p USING (invoice_no)
        GROUP BY 1
    ),
    cancelled AS (
        SELECT o.customer_code, count(*) AS cancelled FROM order_steps st JOIN orders o USING (order_no)
        WHERE st.step = 'cancelled' AND {where("o", CUSTOMER)}
          AND CAST(st.at AT TIME ZONE :tz AS date) BETWEEN :start AND :end
        GROUP BY 1
    )
    SELECT per.*, c.name, c.credit_limit, coalesce(x.cancelled, 0) AS cancelled
    FROM per LEFT JOIN customers c ON c.code = per.customer_code
    LEFT JOIN cancelled x ON x.customer_code = per.customer_code
    ORDER BY per.customer_code
    """
)


async def credit_scores(session: AsyncSession, f: Filters, tz: str) -> dict[str, Any]:
    rows = (await session.execute(_CREDIT, {**f.params(), "tz": tz})).all()
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

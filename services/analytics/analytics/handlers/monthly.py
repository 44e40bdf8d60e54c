"""Monthly totals per sku (`sku_monthly`): purchases received and billed, sales invoiced (quantity, net, lines;
voided invoices left out) and COGS, recomputed from the facts for each (month, sku) a fact touched. Ingest marks
the pair dirty (`sku_monthly_dirty`); the snapshot job and the reports that read the table refresh it first. A
report over whole months with no warehouse, supplier or customer filter reads these rows (a dozen months ×
the skus) instead of every fact; the partial months at a period's edges and the other filters read the facts."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.domain import Filters, Period


def take_dirty(table: str, key: str) -> TextClause:
    """Take (delete, returning them) a table's dirty marks. Skipped: those an ingest transaction holds (it is
    writing facts for them, and marks them with DO UPDATE, so it holds their row lock): the next refresh takes
    them, once it committed. An ingest marking a pair this refresh took waits for the refresh, and its mark then
    stands. So taking the marks never waits for an ingest, and cannot deadlock with one."""
    keys = [k.strip() for k in key.split(",")]
    on = " AND ".join(f"t.{k} = x.{k}" for k in keys)
    return text(
        f"DELETE FROM {table} t USING (SELECT {', '.join(keys)} FROM {table} FOR UPDATE SKIP LOCKED) x "
        f"WHERE {on} RETURNING t.*"
    )


_TAKE_DIRTY = take_dirty("sku_monthly_dirty", "month, sku")
_DELETE = text(
    "DELETE FROM sku_monthly m USING unnest(CAST(:months AS date[]), CAST(:skus AS varchar[])) AS d(month, sku) "
    "WHERE m.month = d.month AND m.sku = d.sku"
)
# The same figures, fact by fact, as the facts path of the purchase vs sales report (each line rounded to cents).
_RECOMPUTE = text(
    """
    WITH d AS (
        SELECT month, sku, CAST(month + interval '1 month' AS date) AS next
        FROM unnest(CAST(:months AS date[]), CAST(:skus AS varchar[])) AS d(month, sku)
    ),
    f AS (
        SELECT d.month, d.sku, round(r.qty_accepted * r.unit_cost, 2) AS received, 0 AS billed, 0 AS sales,
               0 AS sales_qty, 0 AS sales_lines, 0 AS cogs
        FROM d JOIN receipt_lines r ON r.sku = d.sku AND r.day >= d.month AND r.day < d.next
        UNION ALL
        SELECT d.month, d.sku, 0, b.net, 0, 0, 0, 0
        FROM d JOIN bill_lines b ON b.sku = d.sku AND b.bill_date >= d.month AND b.bill_date < d.next
        UNION ALL
        SELECT d.month, d.sku, 0, 0, i.net, i.qty, 1, 0
        FROM d JOIN invoice_lines i ON i.sku = d.sku AND i.issue_date >= d.month AND i.issue_date < d.next
        WHERE NOT EXISTS (SELECT FROM invoice_voids v WHERE v.invoice_no = i.invoice_no)
        UNION ALL
        SELECT d.month, d.sku, 0, 0, 0, 0, 0, round(s.qty * s.unit_cost, 2)
        FROM d JOIN shipment_lines s ON s.sku = d.sku AND s.day >= d.month AND s.day < d.next
    )
    INSERT INTO sku_monthly (month, sku, received, billed, sales, sales_qty, sales_lines, cogs)
    SELECT month, sku, sum(received), sum(billed), sum(sales), sum(sales_qty), sum(sales_lines), sum(cogs)
    FROM f GROUP BY 1, 2
    """
)


async def refresh(session: AsyncSession) -> int:
    """Recompute every dirty (month, sku) (`take_dirty`); the number recomputed."""
    dirty = (await session.execute(_TAKE_DIRTY)).all()
    if dirty:
        keys = {"months": [r.month for r in dirty], "skus": [r.sku for r in dirty]}
        await session.execute(_DELETE, keys)
        await session.execute(_RECOMPUTE, keys)
    return len(dirty)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Split:
    """A period cut into the whole months the aggregate answers (`months`, first days, inclusive) and the partial
    months at its edges the facts answer (`head` before them, `tail` after them)."""

    head: Period | None
    months: tuple[date, date] | None
    tail: Period | None


def split(period: Period) -> Split:
    first = period.start if period.start.day == 1 else next_month(period.start)
    last_day = calendar.monthrange(period.end.year, period.end.month)[1]
    last = month_of(period.end) if period.end.day == last_day else month_of(month_of(period.end) - timedelta(days=1))
    if first > last:
        return Split(period, None, None)
    head = Period(period.start, first - timedelta(days=1)) if period.start < first else None
    tail_start = next_month(last)
    tail = Period(tail_start, period.end) if tail_start <= period.end else None
    return Split(head, (first, last), tail)


def uses_aggregate(f: Filters) -> bool:
    """The aggregate's dimensions are month, sku and (through the product) category."""
    return f.warehouse is None and f.supplier is None and f.customer is None


async def plan(session: AsyncSession, f: Filters, aggregate: bool = True) -> Split | None:
    """How to read the period: None when the facts answer it all; else its split, the totals refreshed."""
    parts = split(f.period) if aggregate and uses_aggregate(f) else None
    if parts is None or parts.months is None:
        return None
    await refresh(session)
    return parts


def within(f: Filters, period: Period) -> dict[str, object]:
    """`f`'s query parameters over `period`."""
    return {**f.params(), "start": period.start, "end": period.end}

"""The customer credit's daily totals (`credit_daily`), the order cycle's monthly figures (`order_cycle_monthly`
with `order_cycle_pending`) and the stock's monthly value-days and COGS (`stock_monthly`) give the same figures as
reading every fact: for whole-month, partial-month and filtered periods, for a period ending before a payment
came (its invoices read from the facts), and after late events (a payment, a void, a delivery, a receipt)
arrived once the figures had been computed, and as the clock moves on (an order waiting for a step passes its
deadline). The scripted history is analytics_testkit.Story's (see test_reports.py for its figures)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from analytics_testkit import NOW, Analytics, Story, analytics_service, n, publish, utc
from sqlalchemy import text

from analytics.config import AnalyticsSettings
from analytics.domain import Filters, Period
from analytics.handlers import monthly, snapshots
from analytics.handlers.customers import credit_scores
from analytics.handlers.order_cycle import order_cycle
from analytics.handlers.stock_reports import turnover
from contracts.finance import InvoiceVoided, PaymentAllocated
from servicekit.testing import Infra

pytestmark = pytest.mark.integration

SETTINGS = AnalyticsSettings()
TZ = SETTINGS.company_timezone


async def both_paths(svc: Analytics, f: Filters, now: datetime, deadlines: dict[str, float]) -> tuple[Any, Any]:
    async with svc.runtime.db.transaction() as s:
        await snapshots.refresh(s, date(2026, 4, 10))
        derived = [
            await credit_scores(s, f, TZ),
            await order_cycle(s, f, TZ, deadlines, now),
            *[await turnover(s, f, g) for g in ("sku", "category", "warehouse")],
        ]
        facts = [
            await credit_scores(s, f, TZ, aggregate=False),
            await order_cycle(s, f, TZ, deadlines, now, aggregate=False),
            *[await turnover(s, f, g, aggregate=False) for g in ("sku", "category", "warehouse")],
        ]
    return derived, facts


def periods(story: Story) -> list[Filters]:
    c, k = story.category, story.customer
    return [
        Filters(Period(date(2026, 2, 1), date(2026, 3, 31)), category=c),  # whole months only
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), category=c),
        Filters(Period(date(2026, 2, 1), date(2026, 2, 28)), category=c),  # ends before INV-1 was paid (03-01)
        Filters(Period(date(2026, 2, 12), date(2026, 3, 20)), category=c),  # partial months at both edges
        Filters(Period(date(2026, 2, 1), date(2026, 3, 9)), category=c),  # a whole month and a partial one
        Filters(Period(date(2026, 3, 5), date(2026, 3, 15)), category=c),  # within one month
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), customer=k),  # the order cycle from the orders
        Filters(Period(date(2026, 2, 1), date(2026, 3, 31)), category=c, warehouse=story.wh, sku=story.sku_a),
    ]


async def compare(svc: Analytics, story: Story, now: datetime, deadlines: dict[str, float]) -> None:
    for f in periods(story):
        derived, facts = await both_paths(svc, f, now, deadlines)
        assert derived == facts, f


async def test_the_derived_totals_equal_the_facts_and_follow_late_events(infra: Infra) -> None:
    story = Story()
    deadlines = SETTINGS.deadlines
    async with analytics_service(infra) as svc:
        events, late = story.history()
        await svc.processed([await publish(svc.producer, m) for m in events])
        await compare(svc, story, NOW, deadlines)

        # The figures compared are the hand-computed ones (test_reports.py), read from the derived tables.
        whole = Filters(Period(date(2026, 2, 1), date(2026, 3, 31)), category=story.category)
        feb_only = Filters(Period(date(2026, 2, 1), date(2026, 2, 28)), customer=story.customer)
        async with svc.runtime.db.transaction() as s:
            [c] = (await credit_scores(s, whole, TZ))["customers"]
            assert (c["invoiced"], c["paid"], c["avg_days_late"], c["outstanding"], c["overdue"]) == (
                Decimal("1243.00"), Decimal("678.00"), Decimal("4.00"), Decimal("565.00"), Decimal("565.00"),
            )  # fmt: skip
            [feb] = (await credit_scores(s, feb_only, TZ))["customers"]  # at 02-28 INV-1 is unpaid, overdue
            assert (feb["paid"], feb["outstanding"], feb["overdue"]) == (Decimal("0.00"), *[Decimal("678.00")] * 2)
            cycle = await order_cycle(s, whole, TZ, deadlines, NOW)
            mar = cycle["groups"][1]
            assert (mar["month"], mar["channel"], mar["stuck"]["delivered"]["past_deadline"]) == (
                "2026-03",
                "wechat",
                1,
            )
        assert await svc.scalar("SELECT count(*) FROM order_cycle_monthly") == 2
        assert await svc.scalar("SELECT count(*) FROM order_cycle_pending WHERE order_no = :o", o=story.so2) == 1
        assert await svc.scalar("SELECT count(*) FROM credit_daily WHERE customer_code = :c", c=story.customer) == 2

        # A clock 3 days after SO-2 shipped (03-11 10:00 Shanghai): its delivery is not late yet.
        early = datetime(2026, 3, 13, 2, 0, tzinfo=NOW.tzinfo)
        await compare(svc, story, early, deadlines)
        async with svc.runtime.db.transaction() as s:
            mar = (await order_cycle(s, whole, TZ, deadlines, early))["groups"][1]
        assert mar["stuck"]["delivered"]["past_deadline"] == 0
        # Other deadlines: the months are computed again with them.
        await compare(svc, story, NOW, {**deadlines, "confirmed": 3.0})

        # After the figures were computed: the late receipt, INV-2 paid on 04-05 (15 days late), INV-1 voided,
        # SO-2 delivered on 03-20.
        paid = PaymentAllocated(
            order_no=story.so2, payment_no=f"PAY-2026-{n():09d}", invoice_no=story.inv2,
            customer_code=story.customer, amount=Decimal("565.00"), invoice_outstanding=Decimal("0.00"),
            invoice_status="paid", allocated_at=utc("2026-04-05T02:00:00"),
        )  # fmt: skip
        void = InvoiceVoided(
            invoice_no=story.inv1, order_no=story.so1, customer_code=story.customer, amount=Decimal("678.00"),
            reason="开错", voided_at=utc("2026-04-01T02:00:00"),
        )  # fmt: skip
        delivered = story.status(story.so2, "shipped", "delivered", "2026-03-20T02:00:00")
        await svc.processed([await publish(svc.producer, m) for m in (late, paid, void, delivered)])
        await compare(svc, story, NOW, deadlines)
        await compare(svc, story, NOW + timedelta(days=40), deadlines)
        async with svc.runtime.db.transaction() as s:
            [c] = (await credit_scores(s, whole, TZ))["customers"]
            year = Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), customer=story.customer)
            [y] = (await credit_scores(s, year, TZ))["customers"]
            mar = (await order_cycle(s, whole, TZ, deadlines, NOW))["groups"][1]
        # At 03-31 INV-2 is still unpaid (paid 04-05: its day is read from the facts); INV-1 is voided.
        assert (c["invoiced"], c["voids"], c["paid"], c["outstanding"]) == (
            Decimal("565.00"), 1, Decimal("0.00"), Decimal("565.00"),
        )  # fmt: skip
        assert (y["paid"], y["avg_days_late"], y["outstanding"]) == (
            Decimal("565.00"),
            Decimal("15.00"),
            Decimal("0.00"),
        )
        assert mar["steps"]["shipped_to_delivered"]["p50_hours"] == Decimal("216.00")
        assert mar["stuck"]["delivered"]["past_deadline"] == 1  # 216 h after shipping: late all the same


async def test_a_refresh_leaves_the_marks_an_ingest_holds_for_the_next_one(infra: Infra) -> None:
    """An ingest transaction still open holds its dirty mark's row lock (DO UPDATE): a refresh does not wait for
    it and leaves the mark; once the ingest committed, the next refresh takes it and sees its facts."""
    story = Story()
    async with analytics_service(infra) as svc:
        mark = text(
            "INSERT INTO sku_monthly_dirty (month, sku) VALUES (:m, :s) "
            "ON CONFLICT (month, sku) DO UPDATE SET sku = excluded.sku"
        )
        line = text(
            "INSERT INTO shipment_lines (do_no, line_no, order_no, warehouse_code, sku, qty, unit_cost, at, day) "
            "VALUES ('DO-1', 1, 'SO-1', :w, :s, 2, 10, :at, :m)"
        )
        key = {"m": date(2026, 3, 1), "s": story.sku_a}
        async with svc.runtime.db.transaction() as s:
            await s.execute(mark, key)  # an earlier, committed mark
        async with svc.runtime.db.transaction() as ingest:
            await ingest.execute(line, {**key, "w": story.wh, "at": utc("2026-03-01T02:00:00")})
            await ingest.execute(mark, key)
            async with svc.runtime.db.transaction() as s:
                assert await asyncio.wait_for(monthly.refresh(s), timeout=5) == 0  # did not wait
        async with svc.runtime.db.transaction() as s:
            assert await monthly.refresh(s) == 1
        cogs = await svc.scalar("SELECT cogs FROM sku_monthly WHERE sku = :s", s=story.sku_a)
        assert cogs == Decimal("20.00")

"""The monthly totals (`sku_monthly`) answer the purchase vs sales report and the top movers for whole months:
the same figures as reading every fact, for whole-month, partial-month and filtered periods; a late event and a
void arriving after the figures were first computed update them. The scripted history is analytics_testkit.Story's (see
test_reports.py for its figures)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from analytics_testkit import Analytics, Story, analytics_service, publish, utc

from analytics.domain import Filters, Period
from analytics.handlers.purchase_sales import monthly_purchase_vs_sales
from analytics.handlers.stock_reports import movers
from contracts.finance import InvoiceVoided
from servicekit.testing import Infra

pytestmark = pytest.mark.integration

THRESHOLD = Decimal("10")


async def both_paths(svc: Analytics, f: Filters) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Purchase vs sales and the movers (by quantity and by revenue), from the totals and from the facts."""
    async with svc.runtime.db.transaction() as s:
        aggregate = [
            await monthly_purchase_vs_sales(s, f, THRESHOLD),
            await movers(s, f, "qty", 20, 30),
            await movers(s, f, "revenue", 20, 30),
        ]
        facts = [
            await monthly_purchase_vs_sales(s, f, THRESHOLD, aggregate=False),
            await movers(s, f, "qty", 20, 30, aggregate=False),
            await movers(s, f, "revenue", 20, 30, aggregate=False),
        ]
    return aggregate, facts


def periods(story: Story) -> list[Filters]:
    c = story.category
    return [
        Filters(Period(date(2026, 2, 1), date(2026, 3, 31)), category=c),  # whole months only
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), category=c),
        Filters(Period(date(2026, 2, 12), date(2026, 3, 20)), category=c),  # partial months at both edges
        Filters(Period(date(2026, 2, 1), date(2026, 3, 9)), category=c),  # a whole month and a partial one
        Filters(Period(date(2026, 3, 5), date(2026, 3, 15)), category=c),  # within one month
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), sku=story.sku_a),
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), category=c, customer=story.customer),  # facts
        Filters(Period(date(2026, 1, 1), date(2026, 12, 31)), category=c, warehouse=story.wh),  # facts
    ]


async def test_the_monthly_totals_equal_the_facts_and_follow_late_events(infra: Infra) -> None:
    story = Story()
    async with analytics_service(infra) as svc:
        events, late = story.history()
        await svc.processed([await publish(svc.producer, m) for m in events])

        for f in periods(story):
            aggregate, facts = await both_paths(svc, f)
            assert aggregate == facts, f
        assert [t["qty"] for t in facts[1]["top"]] == [Decimal("50.000")]  # the comparison compared something
        assert await svc.scalar("SELECT count(*) FROM sku_monthly WHERE sku = :sku", sku=story.sku_a) == 2
        before = await svc.get("purchase-vs-sales", category=story.category, period="2026")
        assert [(m["month"], m["purchases_received"], m["sales_invoiced"]) for m in before["months"]] == [
            ("2026-02", "0.00", "600.00"),  # GRN-1 not yet arrived
            ("2026-03", "480.00", "500.00"),
        ]

        # The late receipt (Feb) and a void of INV-2 (Mar), after the totals were computed.
        void = InvoiceVoided(
            invoice_no=story.inv2,
            order_no=story.so2,
            customer_code=story.customer,
            amount=Decimal("565.00"),
            reason="开错",
            voided_at=utc("2026-04-01T02:00:00"),
        )
        await svc.processed([await publish(svc.producer, late), await publish(svc.producer, void)])
        after = await svc.get("purchase-vs-sales", category=story.category, period="2026")
        assert [(m["month"], m["purchases_received"], m["sales_invoiced"], m["cogs"]) for m in after["months"]] == [
            ("2026-02", "980.00", "600.00", "300.00"),
            ("2026-03", "480.00", "0.00", "214.81"),
        ]
        for f in periods(story):
            aggregate, facts = await both_paths(svc, f)
            assert aggregate == facts, f

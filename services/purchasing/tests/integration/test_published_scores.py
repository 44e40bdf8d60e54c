"""Sourcing ranks suppliers by the score analytics publishes (SupplierScored); the score typed in by hand stays
the fallback for a supplier without a published one, and an older score replayed changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from purchasing_testkit import Harness, uid

from contracts.analytics import SupplierScored

pytestmark = pytest.mark.integration


def scored(supplier: str, score: str, h: Harness, minutes: int = 0) -> SupplierScored:
    return SupplierScored(
        supplier_code=supplier,
        score=Decimal(score),
        standing="poor",
        period_from=date(2025, 3, 3),
        period_to=date(2026, 3, 2),
        lines_measured=2,
        scored_at=h.clock.now() + timedelta(minutes=minutes),
    )


async def chosen(h: Harness, pr_no: str) -> str:
    sourcing = await h.call("GET", f"/requisitions/{pr_no}/sourcing", "purchaser")
    return str(sourcing["lines"][0]["chosen"]["supplier_code"])


async def test_published_score_outranks_the_typed_one(purchasing: Harness) -> None:
    h = purchasing
    sku = uid("SKU")
    typed_high, typed_low = await h.supplier(score="95"), await h.supplier(score="80")
    for supplier in (typed_high, typed_low):  # same price, same lead time: the score decides
        await h.quote(supplier, sku, "10.00", lead=2)
    pr_no = await h.approved_requisition(sku, "10", needed_in_days=7)
    assert await chosen(h, pr_no) == typed_high

    await h.send(scored(typed_high, "70.55", h, minutes=1))
    await h.until(
        "SELECT score FROM supplier_scores WHERE supplier_code = :s", lambda v: v == Decimal("70.55"), s=typed_high
    )
    assert await chosen(h, pr_no) == typed_low  # 70.55 published < 80 typed (no published score: the fallback)

    await h.send(scored(typed_high, "99.00", h, minutes=-60))  # an older score, replayed: ignored
    late = await h.send(scored(typed_low, "60.00", h, minutes=2))
    await h.until("SELECT count(*) FROM inbox WHERE message_id = :id", lambda n: n == 1, id=late.event_id)
    assert await h.scalar("SELECT score FROM supplier_scores WHERE supplier_code = :s", s=typed_high) == Decimal(
        "70.55"
    )
    assert await chosen(h, pr_no) == typed_high  # 70.55 > 60.00, both published

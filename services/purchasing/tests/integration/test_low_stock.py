"""Low stock drafts one replenishment requisition per sku, however often it is reported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from purchasing_testkit import Harness, uid

from contracts.inventory import LowStockDetected, ProductUpserted

pytestmark = pytest.mark.integration
D = Decimal


def low(sku: str) -> LowStockDetected:
    return LowStockDetected(
        sku=sku,
        warehouse_code="WH-SH",
        on_hand=D("3"),
        available=D("2"),
        reorder_point=D("10"),
        reorder_qty=D("50"),
        detected_at=datetime.now(UTC),
    )


async def test_low_stock_twice_makes_exactly_one_draft(purchasing: Harness) -> None:
    h = purchasing
    sku = uid("SKU")
    await h.send(
        ProductUpserted(
            sku=sku,
            name="螺丝 M3",
            unit="pcs",
            category="hardware",
            reorder_point=D("10"),
            reorder_qty=D("50"),
            updated_at=datetime.now(UTC),
        )
    )
    first, second = await h.send(low(sku)), await h.send(low(sku))
    await h.until(
        "SELECT count(*) FROM inbox WHERE message_id IN (:a, :b)",
        lambda n: n == 2,
        a=first.event_id,
        b=second.event_id,
    )
    await h.until("SELECT count(*) FROM products WHERE sku = :s", lambda n: n == 1, s=sku)
    listed = await h.call("GET", f"/requisitions?sku={sku}", "purchaser")
    assert len(listed) == 1
    [pr] = listed
    assert (pr["status"], pr["source"], pr["warehouse_code"]) == ("draft", "low_stock", "WH-SH")
    assert pr["lines"][0]["qty"] == "50.000"
    # once it is closed (cancelled), a new low-stock report drafts a new one
    await h.call("POST", f"/requisitions/{pr['pr_no']}/cancel", "purchaser", json={"reason": "duplicate"})
    await h.send(low(sku))
    await h.until(
        "SELECT count(*) FROM requisitions r JOIN requisition_lines l USING (pr_no) "
        "WHERE l.sku = :s AND r.status = 'draft'",
        lambda n: n == 1,
        s=sku,
    )

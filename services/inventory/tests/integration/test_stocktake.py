"""Stocktake (盘点): snapshot, counts, variance event beyond the threshold, approval posts adjustments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from inventory_testkit import WH, Inventory, bearer, payloads, uid

from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration


async def test_count_variance_and_approval(inv: Inventory) -> None:
    wh, a, b = uid("WH"), uid("A"), uid("B")
    await inv.warehouse(wh)
    await inv.product(a, barcodes=[f"69{a}"])
    await inv.product(b)
    await inv.opening(a, wh, 10)
    await inv.opening(b, wh, 20)
    r = await inv.client.post("/api/v1/stocktakes", json={"warehouse_code": wh, "skus": [a, b]}, headers=WH)
    assert r.status_code == 201, r.text
    no = r.json()["stocktake_no"]
    assert [(x["sku"], Decimal(x["expected_qty"])) for x in r.json()["lines"]] == sorted([(a, 10), (b, 20)])
    assert (await inv.adjust(a, wh, 1)).status_code == 201  # a movement after the snapshot
    counts = {"lines": [{"barcode": f"69{a}", "counted_qty": "9"}, {"sku": b, "counted_qty": "20"}]}
    r = await inv.client.post(f"/api/v1/stocktakes/{no}/counts", json=counts, headers=WH)
    assert r.status_code == 200, r.text
    async with TopicTail(inv.infra.kafka_bootstrap, "inventory.stocktakes") as tail:
        r = await inv.client.post(f"/api/v1/stocktakes/{no}/submit", headers=WH)
        assert r.status_code == 200 and r.json()["status"] == "submitted"
        records = await tail.wait_for(lambda rs: bool(payloads(rs, no, "StocktakeVarianceDetected")))
    [event] = payloads(records, no, "StocktakeVarianceDetected")
    assert [(x["sku"], Decimal(x["variance_qty"])) for x in event["payload"]["lines"]] == [(a, -1)]
    assert (await inv.client.post(f"/api/v1/stocktakes/{no}/approve", headers=WH)).status_code == 403
    r = await inv.client.post(f"/api/v1/stocktakes/{no}/approve", headers=bearer("purchasing_manager"))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (await inv.stock(a, wh))["on_hand"] == 10  # 11 on hand, the count found one fewer than expected
    assert await inv.ledger_sum(a, wh) == 10
    assert (await inv.stock(b, wh))["on_hand"] == 20
    r = await inv.client.post(f"/api/v1/stocktakes/{no}/approve", headers=bearer("purchasing_manager"))
    assert r.status_code == 409

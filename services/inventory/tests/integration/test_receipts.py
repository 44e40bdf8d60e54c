"""Goods receipts against sent purchase orders: scanning, rejection, posting once, moving-average cost,
tolerance with the purchasing manager's override, and receipts without a PO."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from decimal import Decimal

import pytest
from inventory_testkit import WH, Inventory, bearer, now, payloads, uid

from contracts.common import Amounts
from contracts.purchasing import PurchaseOrderCancelled, PurchaseOrderLine, PurchaseOrderSent
from servicekit.testing import TopicTail, eventually

pytestmark = pytest.mark.integration


def po_no() -> str:
    return f"PO-2026-{random.randrange(10**11, 10**12)}"


async def sent_po(inv: Inventory, wh: str, sku: str, qty: int, price: str = "8.00") -> str:
    po = po_no()
    line = PurchaseOrderLine(line_no=1, sku=sku, qty=Decimal(qty), unit_price=Decimal(price))
    total = Decimal(qty) * Decimal(price)
    await inv.send(
        PurchaseOrderSent(
            po_no=po, supplier_code="SUP-1", warehouse_code=wh, lines=[line],
            totals=Amounts(net=total, tax=Decimal("0"), gross=total), expected_date=date(2026, 12, 1),
            payment_terms_days=30, sent_at=now(),
        )
    )  # fmt: skip

    async def known() -> int:
        return (await inv.client.get(f"/api/v1/purchase-orders/{po}", headers=WH)).status_code

    await eventually(known, lambda code: code == 200)
    return po


async def new_grn(inv: Inventory, **body: object) -> str:
    r = await inv.client.post("/api/v1/goods-receipts", json=body, headers=WH)
    assert r.status_code == 201, r.text
    grn_no: str = r.json()["grn_no"]
    return grn_no


async def test_scan_reject_and_post_once(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.warehouse(wh)
    await inv.product(a, barcodes=[f"69{a}"])
    await inv.opening(a, wh, 10, cost="10")
    po = await sent_po(inv, wh, a, 10, price="8.00")
    grn = await new_grn(inv, po_no=po)
    for _ in range(3):
        r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/scans", json={"barcode": f"69{a}"}, headers=WH)
        assert r.status_code == 200, r.text
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/scans", json={"barcode": f"69{a}", "qty": "5"}, headers=WH)
    assert r.status_code == 200
    r = await inv.client.post(
        f"/api/v1/goods-receipts/{grn}/lines", json={"sku": a, "qty": "2", "qty_rejected": "1"}, headers=WH
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reject_reason"
    body = {"sku": a, "qty": "2", "qty_rejected": "1", "reject_reason": "破损"}
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/lines", json=body, headers=WH)
    [line] = r.json()["lines"]
    assert (Decimal(line["qty_received"]), Decimal(line["qty_accepted"])) == (10, 9)
    assert (await inv.stock(a, wh))["on_hand"] == 10, "nothing is on hand before posting"
    async with TopicTail(inv.infra.kafka_bootstrap, "inventory.receipts") as tail:
        # Two clerks post at once: one posting, one 409; stock rises once.
        first, second = await asyncio.gather(
            inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={}, headers=WH),
            inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={}, headers=WH),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        refused = first if first.status_code == 409 else second
        assert refused.json()["code"] == "already_posted"
        records = await tail.wait_for(lambda rs: bool(payloads(rs, grn, "GoodsReceived")))
    [event] = payloads(records, grn, "GoodsReceived")
    [received] = event["payload"]["lines"]
    assert event["payload"]["po_no"] == po
    assert [Decimal(received[k]) for k in ("qty_received", "qty_accepted", "qty_rejected")] == [10, 9, 1]
    assert received["reject_reason"] == "破损" and Decimal(received["unit_cost"]) == Decimal("8.00")
    assert await inv.stock(a, wh) == {"on_hand": 19, "reserved": 0, "available": 19}
    assert await inv.ledger_sum(a, wh) == 19
    product = (await inv.client.get(f"/api/v1/products/{a}", headers=WH)).json()
    assert Decimal(product["avg_cost"]) == Decimal("9.0526")  # (10 × 10 + 9 × 8) / 19
    assert Decimal(received["avg_cost_after"]) == Decimal("9.0526")  # published for valuation (analytics)
    po_view = (await inv.client.get(f"/api/v1/purchase-orders/{po}", headers=WH)).json()
    assert Decimal(po_view["lines"][0]["qty_received"]) == 10


async def test_over_tolerance_refused_unless_a_purchasing_manager_overrides(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 0})
    po = await sent_po(inv, wh, a, 10)  # default tolerance 5 %: at most 10.5
    grn = await new_grn(inv, po_no=po)
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/lines", json={"sku": a, "qty": "11"}, headers=WH)
    assert r.status_code == 200
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={}, headers=WH)
    assert r.status_code == 409 and r.json()["code"] == "over_tolerance"
    assert r.json()["lines"][0]["limit"].startswith("10.5")
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={"override": True}, headers=WH)
    assert r.status_code == 403 and r.json()["code"] == "override_not_allowed"
    assert (await inv.stock(a, wh))["on_hand"] == 0
    assert (await inv.client.get(f"/api/v1/goods-receipts/{grn}", headers=WH)).json()["status"] == "draft"
    manager = bearer("purchasing_manager", sub="zhao.pm")
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={"override": True}, headers=manager)
    assert r.status_code == 200, r.text
    assert r.json()["override_by"] == "zhao.pm"
    assert (await inv.stock(a, wh))["on_hand"] == 11


async def test_unknown_or_cancelled_po_refused(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 0})
    r = await inv.client.post("/api/v1/goods-receipts", json={"po_no": po_no()}, headers=WH)
    assert r.status_code == 409 and r.json()["code"] == "unknown_po"
    po = await sent_po(inv, wh, a, 10)
    await inv.send(
        PurchaseOrderCancelled(po_no=po, supplier_code="SUP-1", reason="x", cancelled_by="u", cancelled_at=now())
    )

    async def create() -> int:
        return (await inv.client.post("/api/v1/goods-receipts", json={"po_no": po}, headers=WH)).status_code

    await eventually(create, lambda code: code == 409)
    r = await inv.client.post("/api/v1/goods-receipts", json={"po_no": po}, headers=WH)
    assert r.json()["code"] == "po_not_open"


async def test_receipt_without_po_needs_reason_and_roles(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 0})
    r = await inv.client.post("/api/v1/goods-receipts", json={"warehouse_code": wh}, headers=WH)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    body = {"warehouse_code": wh, "reason": "样品退回 sample returned"}
    r = await inv.client.post("/api/v1/goods-receipts", json=body, headers=WH)
    assert r.status_code == 403
    both = bearer("warehouse", "purchasing_manager", sub="chen")
    r = await inv.client.post("/api/v1/goods-receipts", json=body, headers=both)
    assert r.status_code == 201, r.text
    grn = r.json()["grn_no"]
    r = await inv.client.post(
        f"/api/v1/goods-receipts/{grn}/lines", json={"sku": a, "qty": "4", "unit_cost": "3.5"}, headers=both
    )
    assert r.status_code == 200
    r = await inv.client.post(f"/api/v1/goods-receipts/{grn}/lines", json={"sku": a, "qty": "1"}, headers=both)
    assert r.status_code == 200  # one more of it (a scan): the cost entered stays
    assert [(x["qty_received"], Decimal(x["unit_cost"])) for x in r.json()["lines"]] == [("5.000", Decimal("3.5"))]
    async with TopicTail(inv.infra.kafka_bootstrap, "inventory.receipts") as tail:
        assert (await inv.client.post(f"/api/v1/goods-receipts/{grn}/post", json={}, headers=both)).status_code == 200
        records = await tail.wait_for(lambda rs: bool(payloads(rs, grn, "GoodsReceived")))
    event = payloads(records, grn, "GoodsReceived")[0]["payload"]
    assert event["po_no"] is None and event["reason"] == "样品退回 sample returned"
    assert Decimal(event["lines"][0]["unit_cost"]) == Decimal("3.5")
    assert (await inv.stock(a, wh))["on_hand"] == 5

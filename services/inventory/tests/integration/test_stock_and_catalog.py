"""Products, adjustments and the low-stock alert through the API and the real broker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from inventory_testkit import WH, Inventory, bearer, payloads, uid
from sqlalchemy import func, select

from inventory.db import kit, products
from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration


async def count(inv: Inventory, table=products) -> int:  # type: ignore[no-untyped-def]
    async with inv.runtime.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def test_products_crud_barcodes_unique_and_published(inv: Inventory) -> None:
    sku, other = uid("SKU"), uid("SKU")
    body = {"sku": sku, "name": "不锈钢螺栓 M8", "unit": "box", "category": "hardware", "barcodes": ["6901", "6902"],
            "reorder_point": "20", "reorder_qty": "100"}  # fmt: skip
    async with TopicTail(inv.infra.kafka_bootstrap, "inventory.products") as tail:
        r = await inv.client.post("/api/v1/products", json=body, headers=WH)
        assert r.status_code == 201, r.text
        assert r.json()["barcodes"] == ["6901", "6902"]
        records = await tail.wait_for(lambda rs: bool(payloads(rs, sku, "ProductUpserted")))
    event = payloads(records, sku, "ProductUpserted")[0]["payload"]
    assert event["reorder_point"] == "20" and event["barcodes"] == ["6901", "6902"]
    assert (await inv.client.post("/api/v1/products", json=body, headers=WH)).json()["code"] == "product_exists"
    r = await inv.client.post("/api/v1/products", json={**body, "sku": other, "barcodes": ["6902"]}, headers=WH)
    assert r.status_code == 409 and r.json()["code"] == "barcode_taken"
    for bad, field in [({"sku": "has space"}, "sku"), ({"reorder_point": "-1"}, "reorder_point"), ({"x": 1}, "x")]:
        r = await inv.client.post("/api/v1/products", json={**body, "sku": other, **bad}, headers=WH)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]
    assert (
        await inv.client.post("/api/v1/products", json={**body, "sku": other}, headers=bearer("sales"))
    ).status_code == 403
    assert await count(inv) == 1
    update = {k: v for k, v in body.items() if k != "sku"} | {"name": "螺栓 M8", "barcodes": ["6903"]}
    r = await inv.client.put(f"/api/v1/products/{sku}", json=update, headers=bearer("purchasing_manager"))
    assert r.status_code == 200 and r.json()["barcodes"] == ["6903"]
    assert (await inv.client.get("/api/v1/barcodes/6903", headers=bearer("auditor"))).json()["sku"] == sku
    assert (await inv.client.get("/api/v1/barcodes/6901", headers=bearer("auditor"))).status_code == 404
    r = await inv.client.delete(f"/api/v1/products/{sku}", headers=WH)
    assert r.status_code == 200 and r.json()["active"] is False
    async with inv.runtime.db.transaction() as s:
        actions = list(await s.scalars(select(kit.audit_log.c.action).where(kit.audit_log.c.entity_id == sku)))
    assert actions == ["created", "updated", "updated"]


async def test_adjustments_keep_the_ledger_and_refuse_going_below_reserved(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 10})
    r = await inv.adjust(a, wh, -3, reason_code="damage")
    assert r.status_code == 201 and r.json()["on_hand"] == "7.000"
    r = await inv.adjust(a, wh, -8)
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    r = await inv.client.post(
        "/api/v1/stock/opening", json={"sku": a, "warehouse_code": wh, "qty": "5", "unit_cost": "1"}, headers=WH
    )
    assert r.status_code == 409 and r.json()["code"] == "opening_exists"
    r = await inv.adjust(a, "NO-SUCH-WH", 1)
    assert r.status_code == 404
    r = await inv.adjust(a, wh, 0)
    assert r.status_code == 422
    assert await inv.stock(a, wh) == {"on_hand": 7, "reserved": 0, "available": 7}
    assert await inv.ledger_sum(a, wh) == 7
    headers = {**WH, "Idempotency-Key": uid("k")}
    body = {"sku": a, "warehouse_code": wh, "qty_delta": "2", "reason_code": "return", "reason": "customer return"}
    first = await inv.client.post("/api/v1/stock/adjustments", json=body, headers=headers)
    again = await inv.client.post("/api/v1/stock/adjustments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await inv.ledger_sum(a, wh) == 9 and (await inv.stock(a, wh))["on_hand"] == 9


def adjusted(records: list[Any], sku: str) -> list[dict[str, Any]]:
    """The test's own adjustments (the opening balance may reach the topic after the tail opened)."""
    return [e for e in payloads(records, sku, "StockAdjusted") if e["payload"]["reason_code"] == "correction"]


async def test_low_stock_emitted_once_per_crossing(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 10}, reorder_point="5")
    async with TopicTail(inv.infra.kafka_bootstrap, "inventory.stock") as tail:
        for delta in (-3, -3, -1, -1):  # 7, 4 (crossed), 3, 2
            assert (await inv.adjust(a, wh, delta)).status_code == 201
        records = await tail.wait_for(lambda rs: len(adjusted(rs, a)) >= 4)
        low = payloads(records, a, "LowStockDetected")
        assert len(low) == 1
        assert (Decimal(low[0]["payload"]["available"]), Decimal(low[0]["payload"]["reorder_qty"])) == (4, 0)
        for delta in (6, -5):  # 8 (re-armed, stock available), 3 (crossed again)
            assert (await inv.adjust(a, wh, delta)).status_code == 201
        records = await tail.wait_for(lambda rs: len(adjusted(rs, a)) >= 6)
    assert len(payloads(records, a, "LowStockDetected")) == 2
    rises = [Decimal(e["payload"]["on_hand"]) for e in payloads(records, a, "StockAvailable")]
    assert [x for x in rises if x != 10] == [8]  # only the rise, never a fall (10 is the opening balance)
    r = await inv.client.get("/api/v1/stock", params={"low_only": "true", "sku": a}, headers=bearer("auditor"))
    assert [row["sku"] for row in r.json()] == [a]


async def test_product_search_by_sku_or_name(inv: Inventory) -> None:
    sku = uid("SKU")
    body = {"sku": sku, "name": "搜索用_紫砂壶%", "unit": "pcs", "category": "search"}
    assert (await inv.client.post("/api/v1/products", json=body, headers=WH)).status_code == 201
    for q in (sku[-6:].lower(), "用_紫砂壶%"):
        r = await inv.client.get("/api/v1/products", params={"q": q, "limit": 10}, headers=bearer("sales"))
        assert r.status_code == 200, r.text
        assert [p["sku"] for p in r.json()] == [sku], q
    r = await inv.client.get("/api/v1/products", params={"q": "%_nothing_%"}, headers=WH)
    assert r.json() == []

"""Outbound orders: created from confirmed orders, picked by scanning, shipped one by one or in a batch,
cancelled with the order; shipping commits the reservation and the ledger still adds up to on-hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from inventory_testkit import WH, Inventory, bearer, now, order_confirmed, order_no, payloads, reserve_cmd, uid
from sqlalchemy import select

from contracts.sales import OrderCancelled
from inventory.db import kit
from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration
EVENTS = "inventory.fulfillment"


async def confirmed_do(inv: Inventory, tail: TopicTail, order: str, lines: list[tuple[str, int]]) -> str:
    await inv.send(reserve_cmd(order, *lines))
    await tail.wait_for(lambda rs: bool(payloads(rs, order, "StockReserved")))
    await inv.send(order_confirmed(order, lines))
    records = await tail.wait_for(lambda rs: bool(payloads(rs, order, "OutboundOrderCreated")))
    created = payloads(records, order, "OutboundOrderCreated")
    assert len(created) == 1
    do_no: str = created[0]["payload"]["do_no"]
    return do_no


async def scan(inv: Inventory, do_no: str, barcode: str) -> Any:
    return await inv.client.post(f"/api/v1/outbound-orders/{do_no}/scans", json={"barcode": barcode}, headers=WH)


async def test_pick_by_scanning_then_ship_commits_the_reservation(inv: Inventory) -> None:
    wh, a, b, other = uid("WH"), uid("A"), uid("B"), uid("C")
    await inv.warehouse(wh)
    await inv.product(a, barcodes=[f"69{a}"])
    await inv.product(b, barcodes=[f"69{b}"])
    await inv.product(other, barcodes=[f"69{other}"])
    await inv.opening(a, wh, 10, cost="12.50")
    await inv.opening(b, wh, 5)
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, EVENTS) as tail:
        do_no = await confirmed_do(inv, tail, order, [(a, 2), (b, 1)])
        r = await scan(inv, do_no, "NO-SUCH-BARCODE")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "barcode"
        r = await scan(inv, do_no, f"69{other}")
        assert r.status_code == 409 and r.json()["code"] == "wrong_item"
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/ship", json={"carrier": "SF"}, headers=WH)
        assert r.status_code == 409 and r.json()["code"] == "not_packed"
        for code in (f"69{a}", f"69{a}", f"69{b}"):
            assert (await scan(inv, do_no, code)).status_code == 200
        r = await scan(inv, do_no, f"69{a}")
        assert r.status_code == 409 and r.json()["code"] == "over_pick"
        detail = (await inv.client.get(f"/api/v1/outbound-orders/{do_no}", headers=bearer("auditor"))).json()
        assert detail["status"] == "packed"
        assert [(x["sku"], Decimal(x["picked_qty"])) for x in detail["lines"]] == [(a, 2), (b, 1)]
        # the picking queue: several states at once, paged
        queue = {"warehouse_code": wh, "status": ["created", "picking", "packed"]}
        listed = (await inv.client.get("/api/v1/outbound-orders", params=queue, headers=WH)).json()
        assert [x["do_no"] for x in listed] == [do_no]
        r = await inv.client.get("/api/v1/outbound-orders", params={**queue, "offset": 1}, headers=WH)
        assert r.json() == []
        r = await inv.client.get("/api/v1/outbound-orders", params={**queue, "status": "shipped"}, headers=WH)
        assert r.json() == []
        r = await inv.client.post(
            f"/api/v1/outbound-orders/{do_no}/ship", json={"carrier": "SF"}, headers=bearer("sales")
        )
        assert r.status_code == 403
        body = {"carrier": "SF Express", "tracking_no": "SF1234567890"}
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/ship", json=body, headers=WH)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "shipped"
        records = await tail.wait_for(lambda rs: bool(payloads(rs, order, "ShipmentDispatched")))
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/ship", json=body, headers=WH)
        assert r.status_code == 409 and r.json()["code"] == "already_shipped"
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/deliver", json={"signed_by": "李雷"}, headers=WH)
        assert r.status_code == 200 and r.json()["status"] == "delivered"
        records = await tail.wait_for(lambda rs: bool(payloads(rs, order, "ShipmentDelivered")))
    [committed] = payloads(records, order, "StockCommitted")
    assert {(x["sku"], Decimal(x["qty"])) for x in committed["payload"]["lines"]} == {(a, 2), (b, 1)}
    [dispatched] = payloads(records, order, "ShipmentDispatched")
    assert dispatched["payload"]["tracking_no"] == "SF1234567890"
    costs = {x["sku"]: Decimal(x["unit_cost"]) for x in dispatched["payload"]["lines"]}
    assert costs == {a: Decimal("12.50"), b: Decimal("10")}
    assert await inv.stock(a, wh) == {"on_hand": 8, "reserved": 0, "available": 8}
    assert await inv.stock(b, wh) == {"on_hand": 4, "reserved": 0, "available": 4}
    assert await inv.ledger_sum(a, wh) == 8 and await inv.ledger_sum(b, wh) == 4
    r = await inv.client.get(f"/api/v1/reservations/{order}", headers=WH)
    # Nothing is held any more (it was all committed): the same shape as while held, with no lines.
    assert r.status_code == 200 and r.json()["state"] == "none" and r.json()["lines"] == []


async def test_batch_ship_of_ten_is_all_or_nothing(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 20})
    orders = [order_no() for _ in range(10)]
    async with TopicTail(inv.infra.kafka_bootstrap, EVENTS) as tail:
        for o in orders:
            await inv.send(reserve_cmd(o, (a, 1)))
        await tail.wait_for(lambda rs: all(payloads(rs, o, "StockReserved") for o in orders))
        for o in orders:
            await inv.send(order_confirmed(o, [(a, 1)]))
        records = await tail.wait_for(lambda rs: all(payloads(rs, o, "OutboundOrderCreated") for o in orders))
        dos = [payloads(records, o, "OutboundOrderCreated")[0]["payload"]["do_no"] for o in orders]
        for d in dos[:-1]:
            assert (await inv.client.post(f"/api/v1/outbound-orders/{d}/pick-all", headers=WH)).status_code == 200
        items = [{"do_no": d, "tracking_no": f"YT{i:04d}"} for i, d in enumerate(dos)]
        r = await inv.client.post("/api/v1/shipments/batch", json={"carrier": "YTO", "items": items}, headers=WH)
        assert r.status_code == 409 and r.json()["code"] == "not_packed"  # the last one was not picked
        assert await inv.stock(a, wh) == {"on_hand": 20, "reserved": 10, "available": 10}
        assert (await inv.client.post(f"/api/v1/outbound-orders/{dos[-1]}/pick-all", headers=WH)).status_code == 200
        r = await inv.client.post("/api/v1/shipments/batch", json={"carrier": "YTO", "items": items}, headers=WH)
        assert r.status_code == 200, r.text
        batch_no = r.json()["batch_no"]
        records = await tail.wait_for(lambda rs: all(payloads(rs, o, "ShipmentDispatched") for o in orders))
    dispatched = [payloads(records, o, "ShipmentDispatched")[0]["payload"] for o in orders]
    assert {d["batch_no"] for d in dispatched} == {batch_no}
    assert sorted(d["tracking_no"] for d in dispatched) == [f"YT{i:04d}" for i in range(10)]
    assert await inv.stock(a, wh) == {"on_hand": 10, "reserved": 0, "available": 10}
    assert await inv.ledger_sum(a, wh) == 10


async def test_cancelled_order_cancels_its_outbound_order_and_releases(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 5})
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, EVENTS) as tail:
        do_no = await confirmed_do(inv, tail, order, [(a, 3)])
        cancel = OrderCancelled(
            order_no=order, customer_code="CUST-1", previous_status="confirmed", reason="customer", cancelled_at=now()
        )
        await inv.send(cancel)
        records = await tail.wait_for(
            lambda rs: bool(payloads(rs, order, "OutboundOrderCancelled") and payloads(rs, order, "StockReleased"))
        )
    assert payloads(records, order, "OutboundOrderCancelled")[0]["payload"]["do_no"] == do_no
    assert await inv.stock(a, wh) == {"on_hand": 5, "reserved": 0, "available": 5}
    r = await inv.client.get(f"/api/v1/outbound-orders/{do_no}", headers=WH)
    assert r.json()["status"] == "cancelled"
    r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/pick-all", headers=WH)
    assert r.status_code == 409


async def test_picking_is_announced_and_an_unpick_puts_the_goods_back_audited(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 5}, barcodes=[f"69{a}"])
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, EVENTS) as tail:
        do_no = await confirmed_do(inv, tail, order, [(a, 3)])
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/unpick", json={"reason": "x"}, headers=WH)
        assert r.status_code == 409 and r.json()["code"] == "not_picked"  # nothing picked yet
        assert (await scan(inv, do_no, f"69{a}")).status_code == 200
        assert (await scan(inv, do_no, f"69{a}")).status_code == 200
        records = await tail.wait_for(lambda rs: bool(payloads(rs, order, "OutboundOrderPicked")))
        [picked] = payloads(records, order, "OutboundOrderPicked")
        assert (picked["payload"]["do_no"], picked["payload"]["picked_by"]) == (do_no, "wang.wh")
        r = await inv.client.post(
            f"/api/v1/outbound-orders/{do_no}/unpick", json={"reason": "客户改单"}, headers=bearer("sales")
        )
        assert r.status_code == 403
        r = await inv.client.post(f"/api/v1/outbound-orders/{do_no}/unpick", json={"reason": "客户改单"}, headers=WH)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "created"
        assert [Decimal(x["picked_qty"]) for x in r.json()["lines"]] == [0]
        records = await tail.wait_for(lambda rs: bool(payloads(rs, order, "OutboundOrderUnpicked")))
    [unpicked] = payloads(records, order, "OutboundOrderUnpicked")
    assert unpicked["payload"]["reason"] == "客户改单"
    assert [(x["sku"], Decimal(x["qty"])) for x in unpicked["payload"]["lines"]] == [(a, 2)]
    assert len(payloads(records, order, "OutboundOrderPicked")) == 1  # the second scan announced nothing
    assert await inv.stock(a, wh) == {"on_hand": 5, "reserved": 3, "available": 2}  # still reserved
    async with inv.runtime.db.transaction() as s:
        row = (
            await s.execute(
                select(kit.audit_log.c.actor, kit.audit_log.c.before, kit.audit_log.c.after).where(
                    (kit.audit_log.c.entity_id == do_no) & (kit.audit_log.c.action == "unpicked")
                )
            )
        ).one()
    assert row.actor == "wang.wh" and row.before["status"] == "picking" and row.after["reason"] == "客户改单"

"""After shipment, across the services on the real broker: a void reaches inventory (what is still held is
released, what has not left is cancelled) and finance (what was invoiced is credited: a paid invoice leaves
customer credit), the replacement linked both ways; an edit after picking waits for the warehouse to un-pick."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import api, assert_invariants, customer, product_with_stock, quiet, stock_of, unique
from harness import Platform, in_process

from servicekit.testing import Infra, eventually
from tools.workload import Api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


async def credit_notes(a: Api, order_no: str, count: int) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = await a.call(
            "finance", "GET", "/credit-notes", ["finance"], params={"order_no": order_no}
        )
        return notes

    return await eventually(found, lambda xs: len(xs) == count, timeout=30)


async def test_void_of_a_paid_order_credits_it_and_links_the_replacement(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 10, cost="40.00")
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 2, "100.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})
    do = await a.outbound_of(no)
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    await a.wait_order(no, {"invoiced"})
    [invoice] = await a.call("finance", "GET", "/invoices", ["finance"], params={"order_no": no})
    await a.pay(cust, invoice["gross"])
    await a.wait_order(no, {"closed"})

    other = await a.place_order(cust, [(sku, 1, "100.00")])
    await a.wait_order(other["order_no"], {"confirmed"})
    r = await platform["sales"].post(
        f"/api/v1/orders/{other['order_no']}/void", json={"reason": "x"}, headers=a.headers("sales")
    )
    assert r.status_code == 409 and r.json()["code"] == "order_not_shipped"  # not shipped: cancelled, not voided
    stranger = await customer(a)
    foreign = await a.place_order(stranger, [(sku, 1, "100.00")])
    body = {"reason": "单价录错, 重开", "replacement_order_no": foreign["order_no"]}
    r = await platform["sales"].post(f"/api/v1/orders/{no}/void", json=body, headers=a.headers("sales"))
    assert r.status_code == 409 and r.json()["code"] == "invalid_replacement"

    body["replacement_order_no"] = other["order_no"]
    voided = await a.call("sales", "POST", f"/orders/{no}/void", ["sales"], json=body)
    assert voided["replaced_by_order_no"] == other["order_no"] and voided["void_reason"] == body["reason"]
    assert (await a.order(other["order_no"]))["replaces_order_no"] == no
    [cn] = await credit_notes(a, no, 1)
    assert (cn["gross"], cn["to_invoice"], cn["unapplied"]) == (invoice["gross"], "0.00", invoice["gross"])
    [after] = await a.call("finance", "GET", "/invoices", ["finance"], params={"order_no": no})
    assert after["status"] == "void" and after["credit_note_no"] == cn["credit_note_no"]
    r = await platform["sales"].post(f"/api/v1/orders/{no}/void", json={"reason": "again"}, headers=a.headers("sales"))
    assert r.status_code == 409 and r.json()["code"] == "order_already_voided"
    await quiet(platform)
    await assert_invariants(platform)


async def test_void_of_a_partly_shipped_order_releases_what_is_held_and_cancels_what_has_not_left(
    platform: Platform,
) -> None:
    a = api(platform)
    await a.warehouse()
    far = unique("WH")
    await a.warehouse(far, "北京仓")
    near = await product_with_stock(a, 10)
    remote = unique("SKU")
    await a.product(remote, name=f"测试商品 {remote}")
    await a.opening_stock(remote, 5, wh=far)
    cust = await customer(a)
    order = await a.place_order(cust, [(near, 4, "10.00"), (remote, 2, "10.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})

    async def outbound() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await a.call(
            "inventory", "GET", "/outbound-orders", ["warehouse"], params={"order_no": no}
        )
        return found

    dos = await eventually(outbound, lambda ds: len(ds) == 2, timeout=30)
    [here] = [d for d in dos if d["warehouse_code"] != far]
    [there] = [d for d in dos if d["warehouse_code"] == far]
    await a.pick_all(here["do_no"])
    await a.ship(here["do_no"])
    await a.wait_order(no, {"partially_shipped"})
    await a.call("sales", "POST", f"/orders/{no}/void", ["sales"], json={"reason": "重复下单"})
    cancelled = await eventually(outbound, lambda ds: any(d["status"] == "cancelled" for d in ds), timeout=30)
    assert [d["do_no"] for d in cancelled if d["status"] == "cancelled"] == [there["do_no"]]
    rows = await a.stock(remote)
    assert [(Decimal(str(r["on_hand"])), Decimal(str(r["reserved"]))) for r in rows] == [(5, 0)]
    assert await stock_of(a, near) == {"on_hand": 6, "reserved": 0, "available": 6}
    [cn] = await credit_notes(a, no, 1)
    assert cn["to_invoice"] == cn["gross"] == "45.20" and Decimal(cn["cost"]) == 0  # unpaid: the receivable goes
    await quiet(platform)
    await assert_invariants(platform)


async def test_an_edit_after_picking_waits_for_the_warehouse_to_unpick(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 20)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 2, "10.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})
    do = await a.outbound_of(no)
    await a.pick_all(do["do_no"])
    await eventually(lambda: a.order(no), lambda o: any(s["picked_at"] for s in o["shipments"]), timeout=30)
    body = {"lines": [{"line_no": 1, "sku": sku, "qty": "5", "unit_price": "10.00"}], "reason": "customer wants 5"}
    refused = await platform["sales"].put(f"/api/v1/orders/{no}/lines", json=body, headers=a.headers("sales"))
    assert refused.status_code == 409 and refused.json()["code"] == "order_already_picked"
    await a.call("inventory", "POST", f"/outbound-orders/{do['do_no']}/unpick", ["warehouse"], json={"reason": "改单"})
    await eventually(lambda: a.order(no), lambda o: not any(s["picked_at"] for s in o["shipments"]), timeout=30)
    accepted = await a.call("sales", "PUT", f"/orders/{no}/lines", ["sales"], json=body)
    assert accepted["revision"] == 2
    await eventually(lambda: stock_of(a, sku), lambda s: s["reserved"] == 5)
    await a.wait_order(no, {"confirmed"})
    await quiet(platform)
    await assert_invariants(platform)

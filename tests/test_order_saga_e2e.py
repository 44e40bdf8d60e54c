"""The order saga across the five services on the real broker and databases: every step crosses Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import api, assert_invariants, customer, product_with_stock, quiet, stock_of
from harness import Platform, in_process

from servicekit.testing import Infra, eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


async def test_happy_path_order_to_closed_with_stock_ledger_and_journal(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 100, cost="60.00")
    cust = await customer(a, terms=30)
    order = await a.place_order(cust, [(sku, 3, "100.00")])
    assert order["totals"]["gross"] == "339.00"

    confirmed = await a.wait_order(order["order_no"], {"confirmed"})
    assert [s["to_status"] for s in confirmed["history"]][:4] == [
        "pending",
        "reserving",
        "awaiting_credit",
        "confirmed",
    ]
    assert await stock_of(a, sku) == {"on_hand": 100, "reserved": 3, "available": 97}

    do = await a.outbound_of(order["order_no"])
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    invoiced = await a.wait_order(order["order_no"], {"invoiced"})
    assert await stock_of(a, sku) == {"on_hand": 97, "reserved": 0, "available": 97}
    [invoice] = await a.call("finance", "GET", "/invoices", ["finance"], params={"order_no": order["order_no"]})
    assert (invoice["net"], invoice["tax"], invoice["gross"]) == ("300.00", "39.00", "339.00")
    assert invoiced["invoices"][0]["invoice_no"] == invoice["invoice_no"]

    await a.pay(cust, "339.00")
    closed = await a.wait_order(order["order_no"], {"closed"})
    assert [h["to_status"] for h in closed["history"]][-3:] == ["invoiced", "paid", "closed"]

    ledger = await a.call("inventory", "GET", f"/stock/{sku}/ledger", ["warehouse"])
    entries = ledger["movements"] if isinstance(ledger, dict) else ledger
    assert sum(Decimal(str(m["qty_delta"])) for m in entries) == Decimal(97)

    tb = await a.call("finance", "GET", "/ledger/trial-balance", ["finance"])
    assert tb["balanced"] is True
    balances = {x["account"]: Decimal(str(x["balance"])) for x in tb["accounts"]}
    assert balances["1100"] == 0  # receivable raised and settled
    assert balances["1000"] == Decimal("339.00")  # cash
    assert balances["4000"] == Decimal("300.00")  # revenue
    assert balances["2200"] == Decimal("39.00")  # output VAT
    assert balances["5000"] == Decimal("180.00")  # cost of goods sold at 60.00
    await quiet(platform)
    await assert_invariants(platform)


async def test_out_of_stock_is_rejected_with_nothing_reserved(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 2)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 5, "10.00")])
    rejected = await a.wait_order(order["order_no"], {"rejected"})
    assert rejected["rejection_reason"] == "out_of_stock"
    assert await stock_of(a, sku) == {"on_hand": 2, "reserved": 0, "available": 2}


async def test_credit_refused_releases_the_reservation(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 10)
    cust = await customer(a, credit_limit="100.00")
    order = await a.place_order(cust, [(sku, 4, "100.00")])
    rejected = await a.wait_order(order["order_no"], {"rejected"})
    assert rejected["rejection_reason"] == "credit_limit"
    await eventually(lambda: stock_of(a, sku), lambda s: s["reserved"] == 0)
    assert await stock_of(a, sku) == {"on_hand": 10, "reserved": 0, "available": 10}


async def test_cancel_after_reservation_releases_stock_and_voids_the_credit_hold(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 10)
    cust = await customer(a, credit_limit="1000.00")
    order = await a.place_order(cust, [(sku, 4, "100.00")])
    await a.wait_order(order["order_no"], {"confirmed"})
    account = await a.call("finance", "GET", f"/credit-accounts/{cust}", ["finance"])
    assert Decimal(str(account["exposure"])) == Decimal("452.00")
    await a.cancel(order["order_no"])
    await a.wait_order(order["order_no"], {"cancelled"})
    await eventually(lambda: stock_of(a, sku), lambda s: s["reserved"] == 0)

    async def exposure() -> Decimal:
        acc = await a.call("finance", "GET", f"/credit-accounts/{cust}", ["finance"])
        return Decimal(str(acc["exposure"]))

    await eventually(exposure, lambda e: e == 0)


async def test_thirty_concurrent_orders_for_ten_units_reserve_exactly_ten(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 10)
    cust = await customer(a)
    orders = await asyncio.gather(*(a.place_order(cust, [(sku, 1, "5.00")]) for _ in range(30)))
    finals = await asyncio.gather(*(a.wait_order(o["order_no"], {"confirmed", "rejected"}, timeout=60) for o in orders))
    statuses = [f["status"] for f in finals]
    assert statuses.count("confirmed") == 10
    assert statuses.count("rejected") == 20
    assert await stock_of(a, sku) == {"on_hand": 10, "reserved": 10, "available": 0}
    await quiet(platform)
    await assert_invariants(platform)


async def test_backordered_order_is_confirmed_when_stock_arrives(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 1)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 5, "10.00")], allow_backorder=True)
    await a.wait_order(order["order_no"], {"backordered"})
    assert (await stock_of(a, sku))["reserved"] == 0
    await a.adjust_stock(sku, 10, reason="supplier delivery counted in")
    await a.wait_order(order["order_no"], {"confirmed"})
    assert await stock_of(a, sku) == {"on_hand": 11, "reserved": 5, "available": 6}


async def test_same_external_reference_twice_is_one_order(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 10)
    cust = await customer(a)
    first = await a.place_order(cust, [(sku, 1, "5.00")], channel="wechat", external_ref="WX-778899")
    again = await a.place_order(cust, [(sku, 1, "5.00")], channel="wechat", external_ref="WX-778899")
    assert again["order_no"] == first["order_no"]
    await a.wait_order(first["order_no"], {"confirmed"})
    assert (await stock_of(a, sku))["reserved"] == 1


async def test_batch_shipment_of_ten_orders(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 50)
    cust = await customer(a)
    orders = [await a.place_order(cust, [(sku, 2, "8.00")]) for _ in range(10)]
    for o in orders:
        await a.wait_order(o["order_no"], {"confirmed"})
    dos = [await a.outbound_of(o["order_no"]) for o in orders]
    for do in dos:
        await a.pick_all(do["do_no"])
    items = [{"do_no": d["do_no"], "tracking_no": f"YT{i:08d}"} for i, d in enumerate(dos)]
    await a.call("inventory", "POST", "/shipments/batch", ["warehouse"], json={"carrier": "YTO", "items": items})
    for o in orders:
        await a.wait_order(o["order_no"], {"invoiced"})
    assert await stock_of(a, sku) == {"on_hand": 30, "reserved": 0, "available": 30}
    invoices = await a.call("finance", "GET", "/invoices", ["finance"], params={"customer_code": cust})
    assert len(invoices) == 10
    await quiet(platform)
    await assert_invariants(platform)


async def test_edit_before_picking_adjusts_the_reservation_and_after_shipment_is_refused(platform: Platform) -> None:
    a = api(platform)
    sku = await product_with_stock(a, 20)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 2, "10.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})
    body = {"lines": [{"line_no": 1, "sku": sku, "qty": "5", "unit_price": "10.00"}], "reason": "customer wants 5"}
    await a.call("sales", "PUT", f"/orders/{no}/lines", ["sales"], json=body)
    await eventually(lambda: stock_of(a, sku), lambda s: s["reserved"] == 5)
    await a.wait_order(no, {"confirmed"})

    async def open_outbound() -> list[dict[str, Any]]:
        found = await a.call("inventory", "GET", "/outbound-orders", ["warehouse"], params={"order_no": no})
        return [d for d in found if d["status"] != "cancelled"]

    # The amendment replaces the outbound order: the one to pick is the live one, for 5.
    [do] = await eventually(
        open_outbound, lambda ds: len(ds) == 1 and Decimal(str(ds[0]["lines"][0]["qty"])) == 5, timeout=30
    )
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    await a.wait_order(no, {"shipped", "invoiced"})
    refused = await platform["sales"].put(f"/api/v1/orders/{no}/lines", json=body, headers=a.headers("sales"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "order_already_shipped"

"""The books agree with the warehouse (账实相符) across the services: opening stock, a shipment, a stocktake with a
variance and a restocked return each move finance's inventory account by their value, so per sku the journal's
stock valuation equals inventory's own (on hand × moving-average cost) and the inventory account reconciles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from e2e_support import api, assert_invariants, books, customer, product_with_stock, quiet, stock_of, stock_value_check
from harness import Platform, in_process, runtime
from sqlalchemy import text

from servicekit.testing import Infra, eventually
from tools.workload import WAREHOUSE, Api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


async def warehouse_value(a: Api, sku: str) -> tuple[Decimal, Decimal]:
    product = await a.call("inventory", "GET", f"/products/{sku}", ["warehouse"])
    on_hand = (await stock_of(a, sku))["on_hand"]
    return on_hand, (on_hand * Decimal(str(product["avg_cost"]))).quantize(Decimal("0.01"))


async def agree(a: Api, sku: str) -> tuple[Decimal, Decimal]:
    expected = await warehouse_value(a, sku)
    return await eventually(lambda: books(a, sku), lambda b: b == expected, timeout=30)


async def test_the_inventory_account_follows_every_valued_stock_movement(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 10, cost="40.00")
    assert await agree(a, sku) == (10, Decimal("400.00"))  # opening balance: Dr inventory / Cr opening equity

    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 3, "100.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})
    do = await a.outbound_of(no)
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    assert await agree(a, sku) == (7, Decimal("280.00"))  # the shipment's cost of goods sold

    opened = await a.call(
        "inventory", "POST", "/stocktakes", ["warehouse"], json={"warehouse_code": WAREHOUSE, "skus": [sku]}
    )
    st = opened["stocktake_no"]
    await a.call(
        "inventory",
        "POST",
        f"/stocktakes/{st}/counts",
        ["warehouse"],
        json={"lines": [{"sku": sku, "counted_qty": "6"}]},
    )
    await a.call("inventory", "POST", f"/stocktakes/{st}/submit", ["warehouse"])
    await a.call("inventory", "POST", f"/stocktakes/{st}/approve", ["finance_manager"])
    assert await agree(a, sku) == (6, Decimal("240.00"))  # the variance: Dr inventory gain/loss / Cr inventory
    [entry] = await a.call("finance", "GET", "/ledger/entries", ["finance"], params={"source_no": st})
    assert {(x["account"], x["debit"], x["credit"]) for x in entry["lines"]} == {
        ("5200", "40.00", "0.00"),
        ("1200", "0.00", "40.00"),
    }

    rma = await a.call(
        "sales",
        "POST",
        f"/orders/{no}/returns",
        ["sales"],
        json={"reason": "退货", "lines": [{"line_no": 1, "qty": "1"}]},
    )
    await eventually(
        lambda: a.call("inventory", "GET", "/returns", ["warehouse"], params={"order_no": no}), bool, timeout=30
    )
    body = {"lines": [{"line_no": 1, "qty": "1", "result": "restock"}]}
    await a.call("inventory", "POST", f"/returns/{rma['return_no']}/receive", ["warehouse"], json=body)
    assert await agree(a, sku) == (7, Decimal("280.00"))  # restocked at the cost it left with

    rec = await a.call("finance", "GET", "/ledger/reconciliation", ["finance"])
    [inventory] = [c for c in rec["checks"] if c["name"] == "inventory"]
    assert inventory["agrees"], inventory
    await quiet(platform)
    await assert_invariants(platform)  # with the check across databases: the account equals the warehouse's value
    assert (await stock_value_check(platform)).valid


async def test_the_check_across_databases_finds_a_broken_row(platform: Platform) -> None:
    """The invariant could fail: a moving-average cost inventory holds apart from what finance booked."""
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 4, cost="25.00")
    assert await agree(a, sku) == (4, Decimal("100.00"))
    assert (await stock_value_check(platform)).valid
    inventory = runtime(platform, "inventory")
    broken = text("UPDATE products SET avg_cost = avg_cost + :d WHERE sku = :sku")
    async with inventory.db.transaction() as session:
        await session.execute(broken, {"d": Decimal("0.50"), "sku": sku})
    try:
        result = await stock_value_check(platform)
        assert not result.valid
        assert {e.get("sku") for e in result.examples} >= {sku}
        assert any(e.get("account") == "1200" for e in result.examples)  # and the account against the total
    finally:
        async with inventory.db.transaction() as session:
            await session.execute(broken, {"d": Decimal("-0.50"), "sku": sku})
    assert (await stock_value_check(platform)).valid

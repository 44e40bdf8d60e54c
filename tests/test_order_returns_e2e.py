"""Returns (退货, RMA-) across the services on the real broker: sales authorizes a return of shipped goods per line
and quantity, the warehouse receives and inspects them (one line restocked, one scrapped), finance credits the
order: stock, its ledger, the credit note and the journal agree, the order's detail, history and progress show
it, and the credit settles the customer's other open invoice before the rest is kept as customer credit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import api, assert_invariants, customer, product_with_stock, quiet, stock_of
from harness import Platform, in_process

from servicekit.testing import Infra, eventually
from tools.workload import Api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


async def shipped(a: Api, order_no: str) -> dict[str, Any]:
    await a.wait_order(order_no, {"confirmed"})
    do = await a.outbound_of(order_no)
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    await a.wait_order(order_no, {"invoiced"})
    [invoice] = await a.call("finance", "GET", "/invoices", ["finance"], params={"order_no": order_no})
    return dict(invoice)


def entry_lines(entries: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
    [entry] = entries
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for x in entry["lines"]:
        debit, credit = totals.get(x["account"], (Decimal(0), Decimal(0)))
        totals[x["account"]] = (debit + Decimal(x["debit"]), credit + Decimal(x["credit"]))
    return totals


async def test_a_return_restocks_one_line_scraps_another_and_is_credited(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    kept = await product_with_stock(a, 10, cost="40.00")
    broken = await product_with_stock(a, 10, cost="20.00")
    cust = await customer(a)
    order = await a.place_order(cust, [(kept, 3, "100.00"), (broken, 2, "50.00")])
    no = order["order_no"]
    await a.wait_order(no, {"confirmed"})
    too_early = {"reason": "x", "lines": [{"line_no": 1, "qty": "1"}]}
    r = await platform["sales"].post(f"/api/v1/orders/{no}/returns", json=too_early, headers=a.headers("sales"))
    assert r.status_code == 409 and r.json()["code"] == "order_not_shipped"
    invoice = await shipped(a, no)
    assert invoice["gross"] == "452.00"
    await a.pay(cust, invoice["gross"])
    await a.wait_order(no, {"closed"})
    other = await a.place_order(cust, [(kept, 1, "100.00")])
    other_invoice = await shipped(a, other["order_no"])
    assert other_invoice["gross"] == "113.00"

    too_many = {"reason": "x", "lines": [{"line_no": 2, "qty": "3"}]}
    r = await platform["sales"].post(f"/api/v1/orders/{no}/returns", json=too_many, headers=a.headers("sales"))
    assert r.status_code == 409 and r.json()["code"] == "return_exceeds_shipped"
    body = {"reason": "客户退货: 一件破损", "lines": [{"line_no": 1, "qty": "2"}, {"line_no": 2, "qty": "1"}]}
    rma = await a.call("sales", "POST", f"/orders/{no}/returns", ["sales"], json=body)
    rma_no = rma["return_no"]
    assert rma_no.startswith("RMA-") and rma["status"] == "authorized"
    more = {"reason": "x", "lines": [{"line_no": 1, "qty": "2"}]}
    r = await platform["sales"].post(f"/api/v1/orders/{no}/returns", json=more, headers=a.headers("sales"))
    assert r.status_code == 409 and r.json()["code"] == "return_exceeds_shipped"  # line 1: 3 shipped, 2 returning

    async def expected() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await a.call(
            "inventory", "GET", "/returns", ["warehouse"], params={"order_no": no}
        )
        return found

    [waiting] = await eventually(expected, lambda xs: len(xs) == 1, timeout=30)
    assert [(x["line_no"], Decimal(str(x["unit_cost"]))) for x in waiting["lines"]] == [(1, 40), (2, 20)]
    inspection = {
        "lines": [{"line_no": 1, "qty": "2", "result": "restock"}, {"line_no": 2, "qty": "1", "result": "scrap"}]
    }
    received = await a.call("inventory", "POST", f"/returns/{rma_no}/receive", ["warehouse"], json=inspection)
    assert received["status"] == "received"
    again = await platform["inventory"].post(
        f"/api/v1/returns/{rma_no}/receive", json=inspection, headers=a.headers("warehouse")
    )
    assert again.status_code == 409 and again.json()["code"] == "return_already_received"

    # Stock: the restocked goods are on hand again, the scrapped ones written off (in and out in the ledger).
    assert (await stock_of(a, kept))["on_hand"] == 10 - 3 - 1 + 2
    assert (await stock_of(a, broken))["on_hand"] == 10 - 2
    ledger = await a.call("inventory", "GET", f"/stock/{broken}/ledger", ["warehouse"])
    moves = [
        (m["movement_type"], Decimal(str(m["qty_delta"])), Decimal(str(m["unit_cost"]))) for m in ledger["movements"]
    ]
    assert moves[-2:] == [("return", 1, 20), ("scrap", -1, 20)]
    ledger = await a.call("inventory", "GET", f"/stock/{kept}/ledger", ["warehouse"])
    last = ledger["movements"][-1]
    assert (last["movement_type"], Decimal(str(last["qty_delta"])), last["reference"]) == ("return", 2, rma_no)

    # Finance: one credit note for the return: 2 × 100 + 1 × 50 net, 13 % tax; the paid invoice owes nothing, so
    # the other open invoice is settled by it (113.00), the rest is the customer's credit.
    async def notes() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await a.call(
            "finance", "GET", "/credit-notes", ["finance"], params={"order_no": no}
        )
        return found

    [cn] = await eventually(notes, lambda xs: len(xs) == 1, timeout=30)
    assert cn["return_no"] == rma_no
    assert (cn["net"], cn["tax"], cn["gross"], cn["cost"]) == ("250.00", "32.50", "282.50", "80.00")
    assert (cn["to_invoice"], cn["unapplied"]) == ("0.00", "169.50")
    journal = entry_lines(
        await a.call("finance", "GET", "/ledger/entries", ["finance"], params={"source_no": cn["credit_note_no"]})
    )
    assert journal == {
        "4000": (Decimal("250.00"), 0),  # revenue
        "2200": (Decimal("32.50"), 0),  # output VAT
        "1100": (0, Decimal("113.00")),  # receivable: the other open invoice
        "2300": (0, Decimal("169.50")),  # customer credit
        "1200": (Decimal("80.00"), 0),  # inventory: the restocked goods at the cost they left with
        "5000": (0, Decimal("80.00")),  # cost of goods sold
    }
    [settled] = await a.call("finance", "GET", "/invoices", ["finance"], params={"order_no": other["order_no"]})
    assert settled["status"] == "paid"
    await a.wait_order(other["order_no"], {"closed"})

    # Sales: the order shows the return (received, credited) in its detail, history and progress.
    detail = await eventually(
        lambda: a.order(no), lambda o: o["returns"] and o["returns"][0]["credit_note_nos"], timeout=30
    )
    [ret] = detail["returns"]
    assert ret["status"] == "received" and ret["credit_note_nos"] == [cn["credit_note_no"]]
    assert [(x["line_no"], x["restocked_qty"], x["scrapped_qty"]) for x in ret["lines"]] == [
        (1, "2.000", "0.000"),
        (2, "0.000", "1.000"),
    ]
    notes_in_history = [h["reason"] for h in detail["history"] if rma_no in (h["reason"] or "")]
    assert len(notes_in_history) == 3 and all(h["to_status"] == "closed" for h in detail["history"][-3:])
    tracked = await a.call("sales", "GET", f"/track/{no}", [], params={"token": detail["tracking_token"]})
    assert tracked["steps"][-1]["key"] == "returned" and tracked["steps"][-1]["done"]
    [dispatched] = tracked["shipments"]  # carrier and tracking number once shipped
    assert dispatched["carrier"] == "SF Express" and dispatched["tracking_no"].startswith("SF")
    await quiet(platform)
    await assert_invariants(platform)

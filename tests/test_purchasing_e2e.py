"""The purchasing chain across the five services on the real broker and databases (issue 4, SPEC.md 3.1, 3.2,
3.5): requisition → two approval levels → sourcing → purchase order → ship notice → goods receipts scanned in
inventory → bills in finance → supplier invoice matched → paid; a price mismatch held in finance and flagged in
purchasing and the notifier; a backorder served by a goods receipt; low stock drafting one requisition.
Nothing is simulated: every cross-service step is a Kafka message between the real services."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import (
    api,
    assert_invariants,
    customer,
    isolate_numbers,
    product_with_stock,
    quiet,
    stock_of,
    unique,
)
from harness import Platform, in_process, runtime
from sqlalchemy import text

from contracts import topic_of
from contracts.inventory import LowStockDetected
from servicekit.testing import JWT_SECRET, Infra, TopicTail, eventually
from tools.workload import WAREHOUSE, Api

pytestmark = pytest.mark.integration
D = Decimal
Json = dict[str, Any]

BUYER, MANAGER, CONTROLLER = "buyer.wang", "mgr.li", "fin.zhao"
PO_APPROVAL_FROM = D("5000")


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        await isolate_numbers(p)
        rules = {
            "requisition": [
                {"name": "all", "min_amount": "0", "approver_roles": ["purchasing_manager", "finance_manager"]}
            ],
            "purchase_order": [
                {"name": "big", "min_amount": str(PO_APPROVAL_FROM), "approver_roles": ["purchasing_manager"]}
            ],
        }
        for doc_type, body in rules.items():
            await as_user(p, MANAGER).call(
                "purchasing", "PUT", f"/approval-rules/{doc_type}", ["purchasing_manager"], json={"rules": body}
            )
        yield p


def as_user(platform: Platform, user: str) -> Api:
    return Api(platform.clients, JWT_SECRET, user=user)


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


# --- purchasing ------------------------------------------------------------------------------------------
async def supplier(a: Api, score: str = "80", terms: int = 30) -> str:
    code: str = unique("SUP")
    body = {"code": code, "name": f"供应商 {code}", "payment_terms_days": terms, "score": score}
    await a.call("purchasing", "POST", "/suppliers", ["purchaser"], json=body, ok=(201,))
    return code


async def quote(a: Api, supplier_code: str, sku: str, price: str, lead: int, tax_rate: str = "0.13") -> None:
    body = {
        "sku": sku,
        "unit_price": price,
        "lead_time_days": lead,
        "tax_rate": tax_rate,
        "valid_from": str(date.today() - timedelta(days=30)),
    }
    await a.call("purchasing", "POST", f"/suppliers/{supplier_code}/quotes", ["purchaser"], json=body, ok=(201,))


async def requisition(a: Api, sku: str, qty: str, needed_in_days: int) -> Json:
    body = {
        "department": "生产部",
        "warehouse_code": WAREHOUSE,
        "lines": [{"sku": sku, "qty": qty, "needed_by": str(date.today() + timedelta(days=needed_in_days))}],
    }
    pr: Json = await a.call("purchasing", "POST", "/requisitions", ["purchaser"], json=body, ok=(201,))
    return pr


async def decide(platform: Platform, path: str, role: str, user: str, decision: str = "approved") -> Json:
    body = {"decision": decision, "comment": f"{decision} by {user}"}
    result: Json = await as_user(platform, user).call("purchasing", "POST", f"{path}/decisions", [role], json=body)
    return result


async def sent_po(platform: Platform, sku: str, qty: str, price: str, lead: int = 3) -> Json:
    """One supplier quoting the sku, a requisition approved at both levels, its PO (approved) and sent."""
    buyer = as_user(platform, BUYER)
    sup = await supplier(buyer)
    await quote(buyer, sup, sku, price, lead)
    pr_no = (await requisition(buyer, sku, qty, lead + 7))["pr_no"]
    await buyer.call("purchasing", "POST", f"/requisitions/{pr_no}/submit", ["purchaser"])
    await decide(platform, f"/requisitions/{pr_no}", "purchasing_manager", MANAGER)
    await decide(platform, f"/requisitions/{pr_no}", "finance_manager", CONTROLLER)
    ordered = await buyer.call("purchasing", "POST", f"/requisitions/{pr_no}/purchase-orders", ["purchaser"])
    [po_no] = ordered["po_nos"]
    po = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/submit", ["purchaser"])
    if po["status"] == "pending_approval":
        po = await decide(platform, f"/purchase-orders/{po_no}", "purchasing_manager", MANAGER)
    assert po["status"] == "approved", po
    sent: Json = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/send", ["purchaser"])
    assert sent["status"] == "sent"
    await inventory_po(buyer, po_no)
    return sent


async def purchasing_po(a: Api, po_no: str) -> Json:
    po: Json = await a.call("purchasing", "GET", f"/purchase-orders/{po_no}", ["purchaser"])
    return po


async def po_in_status(a: Api, po_no: str, status: str) -> Json:
    return await eventually(lambda: purchasing_po(a, po_no), lambda po: po["status"] == status)


# --- inventory -----------------------------------------------------------------------------------------------
async def inventory_po(a: Api, po_no: str) -> Json:
    """Inventory learns the PO from PurchaseOrderSent: poll until it has it."""

    async def probe() -> Json | None:
        r = await a.get("inventory", f"/purchase-orders/{po_no}", ["warehouse"])
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        body: Json = r.json()
        return body

    found = await eventually(probe, lambda po: po is not None)
    assert found is not None
    return found


async def receive(a: Api, po_no: str, barcode: str, scans: list[int]) -> Json:
    """A goods receipt against the PO, its lines by barcode scans (1 = a single scan, n = scan with qty n)."""
    grn = await a.call("inventory", "POST", "/goods-receipts", ["warehouse"], json={"po_no": po_no}, ok=(201,))
    for qty in scans:
        body: Json = {"barcode": barcode} if qty == 1 else {"barcode": barcode, "qty": str(qty)}
        await a.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/scans", ["warehouse"], json=body)
    posted: Json = await a.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/post", ["warehouse"], json={})
    return posted


async def barcode_of(a: Api, sku: str) -> str:
    product = await a.call("inventory", "GET", f"/products/{sku}", ["warehouse"])
    return str(product["barcodes"][0])


# --- finance -------------------------------------------------------------------------------------------------
async def bills_of(a: Api, po_no: str) -> list[Json]:
    bills: list[Json] = await a.call("finance", "GET", "/bills", ["finance"], params={"po_no": po_no})
    return bills


async def balances(a: Api) -> dict[str, Decimal]:
    tb = await a.call("finance", "GET", "/ledger/trial-balance", ["finance"])
    assert tb["balanced"] is True, tb
    return {x["account"]: dec(x["balance"]) for x in tb["accounts"]}


async def reconciled(a: Api) -> None:
    report = await a.call("finance", "GET", "/ledger/reconciliation", ["finance"])
    assert report["all_agree"] is True, report
    assert {c["name"] for c in report["checks"]} >= {"payables", "receivables"}


def moved(before: dict[str, Decimal], after: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: after.get(k, D(0)) - before.get(k, D(0)) for k in sorted(set(before) | set(after))}


# --- the tests -------------------------------------------------------------------------------------------------
async def test_full_chain_requisition_to_paid_bills_through_kafka(platform: Platform) -> None:
    a, buyer = api(platform), as_user(platform, BUYER)
    await a.warehouse()
    sku = await product_with_stock(a, 10, cost="50.00")
    barcode = await barcode_of(a, sku)
    await quiet(platform)
    ledger_before = await balances(a)

    too_slow = await supplier(buyer, score="95")  # cheapest, but 20 days for a need in 10
    in_time = await supplier(buyer, score="70", terms=45)
    dearer = await supplier(buyer, score="99")
    await quote(buyer, too_slow, sku, "40.00", lead=20)
    await quote(buyer, in_time, sku, "45.00", lead=5)
    await quote(buyer, dearer, sku, "48.00", lead=3)

    pr = await requisition(buyer, sku, "100", needed_in_days=10)
    pr_no = pr["pr_no"]
    assert (pr["status"], pr["requester"], pr["warehouse_code"]) == ("draft", BUYER, WAREHOUSE)
    pr = await buyer.call("purchasing", "POST", f"/requisitions/{pr_no}/submit", ["purchaser"])
    assert pr["status"] == "submitted"
    assert pr["approval"]["levels"] == ["purchasing_manager", "finance_manager"]

    # the requester may not approve their own requisition, whatever their roles
    own = await platform["purchasing"].post(
        f"/api/v1/requisitions/{pr_no}/decisions",
        json={"decision": "approved", "comment": "mine"},
        headers=buyer.headers("purchasing_manager"),
    )
    assert (own.status_code, own.json()["code"]) == (409, "self_approval"), own.text
    pr = await decide(platform, f"/requisitions/{pr_no}", "purchasing_manager", MANAGER)
    assert (pr["status"], pr["approval"]["current_level"]) == ("submitted", 2)
    # level 2 belongs to the finance manager: the purchasing manager is refused there
    wrong = await platform["purchasing"].post(
        f"/api/v1/requisitions/{pr_no}/decisions",
        json={"decision": "approved", "comment": "again"},
        headers=as_user(platform, "mgr.zhou").headers("purchasing_manager"),
    )
    assert wrong.status_code == 403, wrong.text
    pr = await buyer.call("purchasing", "GET", f"/requisitions/{pr_no}", ["purchaser"])
    assert (pr["status"], pr["approval"]["current_level"]) == ("submitted", 2)  # the refusals changed nothing
    pr = await decide(platform, f"/requisitions/{pr_no}", "finance_manager", CONTROLLER)
    assert pr["status"] == "approved"

    sourcing = await buyer.call("purchasing", "GET", f"/requisitions/{pr_no}/sourcing", ["purchaser"])
    [line] = sourcing["lines"]
    assert (line["chosen"]["supplier_code"], dec(line["chosen"]["unit_price"])) == (in_time, D("45.00"))
    assert line["chosen"]["meets_needed_by"] is True
    assert [x["supplier_code"] for x in line["alternatives"]] == [dearer, too_slow]
    assert sourcing["split"] == {in_time: [1]}

    ordered = await buyer.call("purchasing", "POST", f"/requisitions/{pr_no}/purchase-orders", ["purchaser"])
    [po_no] = ordered["po_nos"]
    po = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/submit", ["purchaser"])
    # 100 × 45.00 + 13 % = 5,085.00: above the purchase-order rule, one more level
    assert (po["status"], dec(po["net"]), dec(po["tax"]), dec(po["gross"])) == (
        "pending_approval",
        D("4500.00"),
        D("585.00"),
        D("5085.00"),
    )
    assert (po["supplier_code"], po["payment_terms_days"], po["warehouse_code"]) == (in_time, 45, WAREHOUSE)
    po = await decide(platform, f"/purchase-orders/{po_no}", "purchasing_manager", MANAGER)
    assert po["status"] == "approved"
    po = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/send", ["purchaser"])
    assert po["status"] == "sent"

    known = await inventory_po(a, po_no)
    assert (known["status"], known["supplier_code"], known["warehouse_code"]) == ("open", in_time, WAREHOUSE)
    assert [(x["sku"], dec(x["qty"]), dec(x["unit_price"])) for x in known["lines"]] == [(sku, D(100), D("45.00"))]

    asn = {"asn_ref": unique("ASN"), "lines": [{"line_no": 1, "qty_shipped": "100"}], "carrier": "顺丰"}
    po = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/ship-notices", ["purchaser"], json=asn)
    assert (po["status"], dec(po["lines"][0]["qty_shipped"])) == ("shipped", D(100))

    # partial receipt: 10 single scans and one scan of 50
    grn1 = await receive(a, po_no, barcode, [1] * 10 + [50])
    assert grn1["status"] == "posted" and grn1["supplier_code"] == in_time
    assert [(x["sku"], dec(x["qty_received"]), dec(x["unit_cost"])) for x in grn1["lines"]] == [(sku, D(60), D(45))]
    assert await stock_of(a, sku) == {"on_hand": 70, "reserved": 0, "available": 70}
    product = await a.call("inventory", "GET", f"/products/{sku}", ["warehouse"])
    assert dec(product["avg_cost"]).quantize(D("0.01")) == D("45.71")  # (10 × 50 + 60 × 45) / 70

    po = await po_in_status(buyer, po_no, "partially_received")
    assert (dec(po["lines"][0]["qty_received"]), dec(po["lines"][0]["qty_rejected"])) == (D(60), D(0))
    [bill1] = await eventually(lambda: bills_of(a, po_no), lambda bs: len(bs) == 1)
    assert (bill1["grn_no"], bill1["supplier_code"], bill1["status"]) == (grn1["grn_no"], in_time, "open")
    assert (dec(bill1["net"]), dec(bill1["tax"]), dec(bill1["gross"])) == (D("2700.00"), D("351.00"), D("3051.00"))
    assert date.fromisoformat(bill1["due_date"]) - date.fromisoformat(bill1["bill_date"]) == timedelta(days=45)
    po = await eventually(lambda: purchasing_po(buyer, po_no), lambda p: dec(p["lines"][0]["qty_billed"]) == 60)
    assert po["status"] == "partially_received"  # billed in part does not close it

    # final receipt: the remaining 40 in one scan with a quantity
    grn2 = await receive(a, po_no, barcode, [40])
    assert await stock_of(a, sku) == {"on_hand": 110, "reserved": 0, "available": 110}
    bills = await eventually(lambda: bills_of(a, po_no), lambda bs: len(bs) == 2)
    bill2 = next(b for b in bills if b["grn_no"] == grn2["grn_no"])
    assert (dec(bill2["net"]), dec(bill2["tax"]), dec(bill2["gross"])) == (D("1800.00"), D("234.00"), D("2034.00"))

    # purchasing closes the PO once everything received has been billed
    po = await po_in_status(buyer, po_no, "closed")
    assert [h["to_status"] for h in po["history"]] == [
        "draft",
        "pending_approval",
        "approved",
        "sent",
        "shipped",
        "partially_received",
        "received",
        "closed",
    ]
    assert [(dec(x["qty_received"]), dec(x["qty_billed"])) for x in po["lines"]] == [(D(100), D(100))]
    assert po["red"] is False, po["anomalies"]
    pr = await buyer.call("purchasing", "GET", f"/requisitions/{pr_no}", ["purchaser"])
    assert pr["status"] == "ordered"
    # inventory hears of the closing: no more receipts against it
    await eventually(lambda: inventory_po(a, po_no), lambda p: p["status"] == "closed")
    refused = await platform["inventory"].post(
        "/api/v1/goods-receipts", json={"po_no": po_no}, headers=a.headers("warehouse")
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "po_not_open")

    # the supplier's invoices match (PO price × received qty), then one payment settles both bills
    for bill, qty in ((bill1, "60"), (bill2, "40")):
        body = {"invoice_ref": unique("FP"), "lines": [{"line_no": 1, "qty": qty, "unit_price": "45.00"}]}
        matched = await a.call("finance", "POST", f"/bills/{bill['bill_no']}/supplier-invoice", ["finance"], json=body)
        assert (matched["matched"], matched["status"]) == (True, "open")
    pay = {"supplier_code": in_time, "amount": "5085.00", "paid_on": str(date.today()), "reference": unique("TT")}
    payment = await a.call("finance", "POST", "/supplier-payments", ["finance"], json=pay, ok=(201,))
    assert sorted((x["bill_no"], dec(x["amount"])) for x in payment["allocations"]) == sorted(
        [(bill1["bill_no"], D("3051.00")), (bill2["bill_no"], D("2034.00"))]
    )
    bills = await bills_of(a, po_no)
    assert [(b["status"], dec(b["outstanding"])) for b in bills] == [("paid", D(0)), ("paid", D(0))]

    # the journal: stock in at PO cost against GRNI, GRNI cleared by the bills, AP settled in cash
    delta = moved(ledger_before, await balances(a))
    assert {k: v for k, v in delta.items() if v} == {
        "1000": D("-5085.00"),  # cash out
        "1200": D("4500.00"),  # inventory received at PO price
        "1300": D("585.00"),  # input VAT
    }, delta
    await reconciled(a)
    entries = await a.call("finance", "GET", "/ledger/entries", ["finance"], params={"source_no": bill1["bill_no"]})
    assert [e["source_type"] for e in entries] == ["bill"]
    await quiet(platform)
    await assert_invariants(platform)


async def test_supplier_invoice_above_price_tolerance_is_held_and_flagged(platform: Platform) -> None:
    a, buyer = api(platform), as_user(platform, BUYER)
    await a.warehouse()
    sku = await product_with_stock(a, 0)
    po = await sent_po(platform, sku, "20", "45.00")
    po_no, sup = po["po_no"], po["supplier_code"]
    grn = await receive(a, po_no, await barcode_of(a, sku), [20])
    [bill] = await eventually(lambda: bills_of(a, po_no), lambda bs: len(bs) == 1)
    assert (bill["grn_no"], dec(bill["gross"])) == (grn["grn_no"], D("1017.00"))  # 20 × 45.00 + 13 %
    await quiet(platform)
    ledger_before = await balances(a)

    # 49.50 is 10 % above the PO price of 45.00, the tolerance is 5 %
    body = {"invoice_ref": unique("FP"), "lines": [{"line_no": 1, "qty": "20", "unit_price": "49.50"}]}
    held = await a.call("finance", "POST", f"/bills/{bill['bill_no']}/supplier-invoice", ["finance"], json=body)
    assert (held["matched"], held["status"], held["reason"]) == (False, "on_hold", "price_mismatch")
    [bill] = await bills_of(a, po_no)
    assert bill["status"] == "on_hold"

    # purchasing hears BillHeld: a critical price-mismatch anomaly on the PO, which turns red
    po = await eventually(
        lambda: purchasing_po(buyer, po_no),
        lambda p: any(x["anomaly_type"] == "price_mismatch" for x in p["anomalies"]),
    )
    [anomaly] = [x for x in po["anomalies"] if x["anomaly_type"] == "price_mismatch"]
    assert (anomaly["bill_no"], anomaly["status"], anomaly["severity"]) == (bill["bill_no"], "open", "critical")
    assert [(x["sku"], dec(x["expected"]), dec(x["actual"])) for x in anomaly["lines"]] == [
        (sku, D("45.00"), D("49.50"))
    ]
    assert po["red"] is True
    red = await buyer.call("purchasing", "GET", "/purchase-orders", ["purchaser"], params={"anomalies_only": True})
    assert po_no in [x["po_no"] for x in red]

    # the notifier's default rules alert on both events and open a case for the mismatch
    n = api(platform)

    async def alerts(rule: str, subject: str) -> list[Json]:
        found: list[Json] = await n.call(
            "notifier", "GET", "/alerts", ["purchaser"], params={"rule_code": rule, "subject_id": subject}
        )
        return found

    [po_alert] = await eventually(lambda: alerts("po_price_mismatch", po_no), lambda xs: len(xs) == 1)
    assert po_alert["severity"] == "critical"
    [bill_alert] = await eventually(lambda: alerts("bill_held", bill["bill_no"]), lambda xs: len(xs) == 1)
    assert bill_alert["subject_type"] == "bill"
    cases = await eventually(
        lambda: n.call("notifier", "GET", "/cases", ["purchaser"], params={"supplier_code": sup}),
        lambda cs: any(c["case_type"] == "price_mismatch" for c in cs),
    )
    assert [c["state"] for c in cases if c["case_type"] == "price_mismatch"] == ["open"]

    # a held bill cannot be paid; the journal has not moved
    pay = {
        "supplier_code": sup,
        "amount": "1017.00",
        "paid_on": str(date.today()),
        "allocations": [{"bill_no": bill["bill_no"], "amount": "1017.00"}],
    }
    refused = await platform["finance"].post("/api/v1/supplier-payments", json=pay, headers=a.headers("finance"))
    assert (refused.status_code, refused.json()["code"]) == (409, "bill_on_hold")
    await quiet(platform)
    unchanged = moved(ledger_before, await balances(a))
    assert not any(unchanged.values()), unchanged
    await reconciled(a)
    await assert_invariants(platform)


async def test_backordered_order_is_confirmed_by_a_goods_receipt(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = await product_with_stock(a, 1)
    cust = await customer(a)
    order = await a.place_order(cust, [(sku, 5, "80.00")], allow_backorder=True)
    await a.wait_order(order["order_no"], {"backordered"})
    assert await stock_of(a, sku) == {"on_hand": 1, "reserved": 0, "available": 1}

    po = await sent_po(platform, sku, "10", "30.00")
    # nothing arrives with the PO alone
    assert (await a.order(order["order_no"]))["status"] == "backordered"
    await receive(a, po["po_no"], await barcode_of(a, sku), [10])
    confirmed = await a.wait_order(order["order_no"], {"confirmed"})
    assert [h["to_status"] for h in confirmed["history"]][-1] == "confirmed"
    assert "backordered" in [h["to_status"] for h in confirmed["history"]]
    assert await stock_of(a, sku) == {"on_hand": 11, "reserved": 5, "available": 6}
    await po_in_status(api(platform), po["po_no"], "closed")  # received in full and billed
    await quiet(platform)
    await assert_invariants(platform)


async def test_low_stock_twice_after_shipments_drafts_exactly_one_requisition(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    sku = unique("SKU")
    await a.product(sku, name=f"螺丝 {sku}", reorder_point="10", reorder_qty="50")
    await a.opening_stock(sku, 20)
    cust = await customer(a)
    low_topic = topic_of(LowStockDetected).name

    def low_events(records: list[Any]) -> list[Json]:
        out = []
        for r in records:
            env = json.loads(r.value)
            if env["type"] == "LowStockDetected" and env["payload"]["sku"] == sku:
                out.append(env)
        return out

    async def ship_order(qty: int) -> None:
        order = await a.place_order(cust, [(sku, qty, "10.00")])
        await a.wait_order(order["order_no"], {"confirmed"})
        do = await a.outbound_of(order["order_no"])
        await a.pick_all(do["do_no"])
        await a.ship(do["do_no"])
        await a.wait_order(order["order_no"], {"shipped", "invoiced"})

    async with TopicTail(platform.infra.kafka_bootstrap, low_topic) as tail:
        await ship_order(12)  # available 20 → 8: below 10, first crossing
        assert await stock_of(a, sku) == {"on_hand": 8, "reserved": 0, "available": 8}
        await a.adjust_stock(sku, 10, reason="found a box")  # back to 18: re-armed
        await ship_order(12)  # 18 → 6: second crossing
        assert await stock_of(a, sku) == {"on_hand": 6, "reserved": 0, "available": 6}
        records = await tail.wait_for(lambda rs: len(low_events(rs)) == 2)
    events = low_events(records)
    assert [dec(e["payload"]["available"]) for e in events] == [8, 6]

    # wait until purchasing has consumed both reports, then there must be one draft, not two
    purchasing = runtime(platform, "purchasing")

    async def consumed() -> int:
        async with purchasing.db.transaction() as s:
            n = await s.scalar(
                text("SELECT count(*) FROM inbox WHERE message_id::text = ANY(:ids)"),
                {"ids": [e["event_id"] for e in events]},
            )
        return int(n or 0)

    await eventually(consumed, lambda n: n == 2)
    listed = await a.call("purchasing", "GET", "/requisitions", ["purchaser"], params={"sku": sku})
    assert [(pr["status"], pr["source"]) for pr in listed] == [("draft", "low_stock")]
    [pr] = listed
    assert (pr["warehouse_code"], [(x["sku"], dec(x["qty"])) for x in pr["lines"]]) == (WAREHOUSE, [(sku, D(50))])
    await quiet(platform)
    await assert_invariants(platform)

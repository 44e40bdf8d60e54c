"""The purchasing chain on the real broker and database: requisition → two approval levels → sourcing →
purchase order sent → ship notice → receipts (partial, then final) → billed → closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

import pytest
from purchasing_testkit import Harness, doc, uid

from contracts import topic_of
from contracts.common import Amounts
from contracts.finance import BillCreated, BillLine
from contracts.inventory import ProductUpserted
from contracts.purchasing import PurchaseOrderSent
from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration
D = Decimal


def events(records: list, type_: str, key: str) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for r in records:
        env = json.loads(r.value)
        if env["type"] == type_ and r.key == key.encode():
            out.append(env["payload"])
    return out


def has_sent(records: list, po_no: str) -> bool:  # type: ignore[type-arg]
    return bool(events(records, "PurchaseOrderSent", po_no))


async def test_full_chain_picks_the_cheapest_supplier_in_time_and_tracks_receipts(purchasing: Harness) -> None:
    h = purchasing
    sku = uid("SKU")
    too_slow = await h.supplier(score="95")  # cheapest, but 20 days lead time for a need in 10
    in_time = await h.supplier(score="70")
    dearer = await h.supplier(score="99")
    await h.quote(too_slow, sku, "9.00", lead=20)
    await h.quote(in_time, sku, "10.00", lead=5)
    await h.quote(dearer, sku, "11.00", lead=3)
    topics = ["purchasing.requisitions", topic_of(PurchaseOrderSent).name, "purchasing.approvals"]
    async with TopicTail(h.infra.kafka_bootstrap, *topics) as tail:
        pr_no = await h.requisition(sku, "100", needed_in_days=10)
        pr = await h.call("POST", f"/requisitions/{pr_no}/submit", "purchaser")
        assert pr["status"] == "submitted" and pr["amount"] == "900.00"  # estimated from the cheapest quote
        assert pr["approval"]["levels"] == ["purchasing_manager", "finance_manager"]
        pr = await h.decide(pr_no, "purchasing_manager", "mgr.li")
        assert (pr["status"], pr["approval"]["current_level"]) == ("submitted", 2)
        pr = await h.decide(pr_no, "finance_manager", "fin.zhao")
        assert pr["status"] == "approved"

        sourcing = await h.call("GET", f"/requisitions/{pr_no}/sourcing", "purchaser")
        line = sourcing["lines"][0]
        assert line["chosen"]["supplier_code"] == in_time and line["chosen"]["meets_needed_by"]
        assert [a["supplier_code"] for a in line["alternatives"]] == [dearer, too_slow]
        assert line["alternatives"][1]["meets_needed_by"] is False
        assert sourcing["split"] == {in_time: [1]}

        ordered = await h.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=201)
        [po_no] = ordered["po_nos"]
        po = await h.call("POST", f"/purchase-orders/{po_no}/submit", "purchaser")
        # 1,000 is below the 100k purchase-order rule, but 11 % above the 900 the requisition was approved at
        # (the margin is 10 %): approved again, by the requisition's approvers
        assert po["status"] == "pending_approval" and "approval needed again" in po["history"][-1]["reason"]
        assert po["approval"]["levels"] == ["purchasing_manager", "finance_manager"]
        for role, sub in (("purchasing_manager", "mgr.li"), ("finance_manager", "fin.zhao")):
            body = {"decision": "approved", "comment": "dearer supplier, in time"}
            po = await h.call("POST", f"/purchase-orders/{po_no}/decisions", role, sub=sub, json=body)
        assert po["status"] == "approved"
        po = await h.call("POST", f"/purchase-orders/{po_no}/send", "purchaser")
        assert (po["status"], po["supplier_code"], po["gross"]) == ("sent", in_time, "1000.00")

        records = await tail.wait_for(lambda rs: bool(events(rs, "PurchaseOrderSent", po_no)))
        sent = events(records, "PurchaseOrderSent", po_no)[0]
        assert sent["supplier_code"] == in_time and sent["tolerance_pct"] == "5.00"
        assert sent["price_tolerance_pct"] == "0.00"  # no price tolerance set: any invoice difference holds the bill
        assert sent["lines"][0]["qty"] == "100.000" and sent["lines"][0]["unit_price"] == "10.00"
        assert sent["pr_nos"] == [pr_no]
        await tail.wait_for(lambda rs: len(events(rs, "ApprovalDecided", pr_no)) == 2)
        assert [e["level"] for e in events(tail.records, "ApprovalRequested", pr_no)] == [1, 2]
        assert events(tail.records, "RequisitionApproved", pr_no)

    po = await h.call(
        "POST",
        f"/purchase-orders/{po_no}/ship-notices",
        "purchaser",
        json={"asn_ref": "ASN-1", "lines": [{"line_no": 1, "qty_shipped": "100"}], "carrier": "顺丰"},
    )
    assert po["status"] == "shipped" and po["lines"][0]["qty_shipped"] == "100.000"

    await h.send(h.receipt(po, accepted="60"))
    await h.until("SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "partially_received", p=po_no)
    po = await h.po(po_no)
    assert (po["lines"][0]["qty_received"], po["red"]) == ("60.000", True)  # 40 shipped have not arrived (yet)

    await h.send(h.receipt(po, accepted="40"))
    await h.until("SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "received", p=po_no)
    po = await h.po(po_no)
    assert po["lines"][0]["qty_received"] == "100.000" and po["red"] is False
    assert [x["to_status"] for x in po["history"]] == [
        "draft",
        "pending_approval",
        "approved",
        "sent",
        "shipped",
        "partially_received",
        "received",
    ]

    bill_line = BillLine(
        line_no=1, po_line_no=1, sku=sku, qty=D("100"), unit_price=D("10.00"), tax_rate=D("0"), net=D("1000.00")
    )
    await h.send(
        BillCreated(
            bill_no=doc("BILL"),
            supplier_code=in_time,
            po_no=po_no,
            lines=[bill_line],
            totals=Amounts(net=D("1000.00"), tax=D("0"), gross=D("1000.00")),
            status="open",
            bill_date=h.today,
            due_date=h.today,
            created_at=h.clock.now(),
        )
    )
    await h.until("SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "closed", p=po_no)
    pr = await h.call("GET", f"/requisitions/{pr_no}", "auditor")
    assert pr["status"] == "ordered"


async def test_buyer_override_and_unsourced_requisition(purchasing: Harness) -> None:
    h = purchasing
    sku = uid("SKU")
    cheap, other = await h.supplier(), await h.supplier()
    await h.quote(cheap, sku, "5.00", lead=1)
    await h.quote(other, sku, "6.00", lead=1, min_qty="10")
    pr_no = await h.approved_requisition(sku, "20", needed_in_days=5)
    body = {"overrides": [{"line_no": 1, "supplier_code": other}]}
    sourcing = await h.call("POST", f"/requisitions/{pr_no}/sourcing", "purchaser", json=body)
    assert sourcing["lines"][0]["chosen"]["supplier_code"] == other and sourcing["lines"][0]["overridden"]
    bad = {"overrides": [{"line_no": 1, "supplier_code": uid("NOPE")}]}
    r = await h.call("POST", f"/requisitions/{pr_no}/sourcing", "purchaser", json=bad, expect=409)
    assert r["code"] == "no_valid_quote"
    [po_no] = (await h.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=201))["po_nos"]
    po = await h.po(po_no)
    assert (po["supplier_code"], po["lines"][0]["unit_price"]) == (other, "6.00")

    lonely = await h.approved_requisition(uid("SKU"), "1", needed_in_days=5)
    r = await h.call("POST", f"/requisitions/{lonely}/purchase-orders", "purchaser", expect=409)
    assert r["code"] == "unsourced_lines"
    assert await h.scalar("SELECT count(*) FROM purchase_orders WHERE pr_no = :p", p=lonely) == 0


async def test_price_tolerance_apart_from_the_receipt_tolerance(purchasing: Harness) -> None:
    """Issue 19: the invoice price tolerance is its own setting (supplier, else the strictest category, else 0), not
    the receipt quantity tolerance; the purchase order carries it to finance."""
    h = purchasing
    category = uid("CAT")
    skus = [uid("SKU"), uid("SKU")]
    for sku in skus:
        product = {
            "sku": sku,
            "name": sku,
            "unit": "pcs",
            "category": category,
            "reorder_point": D("0"),
            "reorder_qty": D("0"),
        }
        await h.send(ProductUpserted(**product, updated_at=datetime.now(UTC)))
        await h.until("SELECT count(*) FROM products WHERE sku = :s", lambda n: n == 1, s=sku)
    body = {"tolerance_pct": "3", "price_tolerance_pct": "1.5"}
    assert await h.call("PUT", f"/tolerances/categories/{category}", "purchasing_manager", json=body) == {
        "tolerance_pct": "3",
        "price_tolerance_pct": "1.5",
    }
    own = await h.supplier(tolerance_pct="8", price_tolerance_pct="2")
    plain = await h.supplier()
    await h.quote(own, skus[0], "10.00", lead=3)
    await h.quote(plain, skus[1], "10.00", lead=3)
    sent = {}
    async with TopicTail(h.infra.kafka_bootstrap, topic_of(PurchaseOrderSent).name) as tail:
        for sku in skus:
            pr_no = await h.approved_requisition(sku, "10", 10)
            [po_no] = (await h.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=201))[
                "po_nos"
            ]
            assert (await h.call("POST", f"/purchase-orders/{po_no}/submit", "purchaser"))["status"] == "approved"
            po = await h.call("POST", f"/purchase-orders/{po_no}/send", "purchaser")
            assert po["price_tolerance_pct"] in ("2.00", "1.50")
            records = await tail.wait_for(partial(has_sent, po_no=po_no))
            sent[sku] = events(records, "PurchaseOrderSent", po_no)[0]
    assert (sent[skus[0]]["tolerance_pct"], sent[skus[0]]["price_tolerance_pct"]) == ("8.00", "2.00")  # the supplier's
    assert (sent[skus[1]]["tolerance_pct"], sent[skus[1]]["price_tolerance_pct"]) == ("3.00", "1.50")  # the category's

"""Anomalies raised once each, the moment they are known; receipts count once; the red-first list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from purchasing_testkit import Harness, doc, uid

from contracts.finance import BillHeld, BillMismatchLine
from purchasing.handlers.anomalies import scan_overdue
from purchasing.main import OVERDUE_JOB
from servicekit.scheduler import run_once

pytestmark = pytest.mark.integration
# These tests count the anomaly events purchasing emits in its outbox: no relay to publish and delete them.
START_RELAY = False
D = Decimal
COUNT = "SELECT count(*) FROM po_anomalies WHERE po_no = :p AND anomaly_type = :t"


async def test_short_receipt_raised_once_and_duplicate_receipt_counted_once(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "10")
    po_no = po["po_no"]
    await h.call(
        "POST",
        f"/purchase-orders/{po_no}/ship-notices",
        "purchaser",
        json={"lines": [{"line_no": 1, "qty_shipped": "10"}]},
    )
    receipt = h.receipt(po, accepted="6", rejected="1")
    first = await h.send(receipt)
    await h.send(receipt, first)  # the same event again (redelivery)
    await h.send(receipt)  # the same receipt under a new event id (re-published)
    await h.until(COUNT, lambda n: n == 1, p=po_no, t="short_receipt")
    await h.until(COUNT, lambda n: n == 1, p=po_no, t="quality_rejection")
    later = h.receipt(po, accepted="1", grn_no=doc("GRN"))
    await h.send(later)
    await h.until("SELECT qty_received FROM purchase_order_lines WHERE po_no = :p", lambda q: q == D("7"), p=po_no)
    got = await h.po(po_no)
    assert (got["lines"][0]["qty_received"], got["lines"][0]["qty_rejected"]) == ("7.000", "1.000")
    assert got["status"] == "partially_received" and got["red"] is True
    types = sorted(a["anomaly_type"] for a in got["anomalies"])
    # the later receipt was short against what was still in transit: a second, distinct fact
    assert types == ["quality_rejection", "short_receipt", "short_receipt"]
    # the page's linked documents (two receipts) and its audit trail (the ship notice with its lines)
    assert sorted(d["ref"] for d in got["documents"] if d["kind"] == "grn") == sorted([receipt.grn_no, later.grn_no])
    [notice] = [a for a in got["audit"] if a["action"] == "ship_notice"]
    assert notice["after"]["lines"] == [{"line_no": 1, "qty_shipped": "10"}] and notice["actor"]
    listed = await h.call("GET", "/purchase-orders", "auditor")
    reds = [p["red"] for p in listed]
    assert reds == sorted(reds, reverse=True)  # red first
    assert any(p["po_no"] == po_no and p["red"] for p in listed)
    # the board's filters: by open anomaly type and by several states; each row with its lines' progress
    supplier = {"supplier_code": po["supplier_code"]}
    [row] = await h.call("GET", "/purchase-orders", "auditor", params={**supplier, "anomaly": "short_receipt"})
    assert row["anomaly_types"] == ["quality_rejection", "short_receipt"] and row["open_anomalies"] == 3
    [line] = row["line_progress"]
    assert (line["qty_ordered"], line["qty_shipped"], line["qty_received"], line["qty_rejected"]) == (
        "10.000",
        "10.000",
        "7.000",
        "1.000",
    )
    both = {**supplier, "anomaly": ["overdue", "price_mismatch"]}
    assert await h.call("GET", "/purchase-orders", "auditor", params=both) == []
    states = {**supplier, "status": ["sent", "partially_received"]}
    assert [p["po_no"] for p in await h.call("GET", "/purchase-orders", "auditor", params=states)] == [po_no]
    assert await h.call("GET", "/purchase-orders", "auditor", params={**supplier, "status": "received"}) == []
    assert await h.call("GET", "/purchase-orders", "auditor", params={**supplier, "offset": 1}) == []


async def test_short_shipment_and_over_receipt(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "100")
    po_no = po["po_no"]
    ship = {"lines": [{"line_no": 1, "qty_shipped": "80"}]}
    await h.call("POST", f"/purchase-orders/{po_no}/ship-notices", "purchaser", json={**ship, "partial": True})
    assert await h.scalar(COUNT, p=po_no, t="short_shipment") == 0
    await h.call(
        "POST",
        f"/purchase-orders/{po_no}/ship-notices",
        "purchaser",
        json={"lines": [{"line_no": 1, "qty_shipped": "10"}]},
    )
    assert await h.scalar(COUNT, p=po_no, t="short_shipment") == 1
    await h.send(h.receipt(po, accepted="106"))  # 5 % tolerance: up to 105
    await h.until(COUNT, lambda n: n == 1, p=po_no, t="over_receipt")
    got = await h.po(po_no)
    assert got["status"] == "received", (got["history"], got["lines"])


async def test_overdue_raised_once_by_the_scan(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "5", lead=3)
    po_no = po["po_no"]
    start = h.clock.now()
    try:
        assert await run_once(h.runtime, OVERDUE_JOB, scan_overdue)
        assert await h.scalar(COUNT, p=po_no, t="overdue") == 0  # not late yet
        h.clock.advance(timedelta(days=4))
        # two replicas ticking at once: one runs, the other skips; later ticks find nothing new
        ran = await asyncio.gather(*(run_once(h.runtime, OVERDUE_JOB, scan_overdue) for _ in range(2)))
        assert any(ran)
        assert await run_once(h.runtime, OVERDUE_JOB, scan_overdue)
        assert await h.scalar(COUNT, p=po_no, t="overdue") == 1
        overdue = {"supplier_code": po["supplier_code"], "anomaly": "overdue"}
        [row] = await h.call("GET", "/purchase-orders", "auditor", params=overdue)
        assert (row["po_no"], row["red"], row["anomaly_types"]) == (po_no, True, ["overdue"])
        events = await h.scalar(
            "SELECT count(*) FROM outbox WHERE message_type = 'PurchaseAnomalyRaised' AND key = :p "
            "AND envelope::jsonb->'payload'->>'anomaly_type' = 'overdue'",
            p=po_no,
        )
        assert events == 1
    finally:
        h.clock.set(start)


async def test_price_mismatch_from_a_held_bill(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "5", price="10.00")
    line = BillMismatchLine(
        line_no=1,
        sku=po["lines"][0]["sku"],
        po_unit_price=D("10.00"),
        invoice_unit_price=D("12.00"),
        qty_received=D("5"),
        qty_invoiced=D("5"),
    )
    held = BillHeld(
        bill_no=doc("BILL"),
        supplier_code=po["supplier_code"],
        po_no=po["po_no"],
        reason="price_mismatch",
        tolerance_pct=D("5"),
        lines=[line],
        held_at=h.clock.now(),
    )
    await h.send(held)
    await h.send(held)
    await h.until(COUNT, lambda n: n == 1, p=po["po_no"], t="price_mismatch")
    got = await h.po(po["po_no"])
    [anomaly] = got["anomalies"]
    assert anomaly["severity"] == "critical" and anomaly["bill_no"] == held.bill_no


async def test_cancel_only_before_any_receipt(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "5")
    await h.send(h.receipt(po, accepted="1"))
    await h.until(
        "SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "partially_received", p=po["po_no"]
    )
    r = await h.call("POST", f"/purchase-orders/{po['po_no']}/cancel", "purchaser", json={"reason": "x"}, expect=409)
    assert r["code"] == "invalid_transition" or r["code"] == "cannot_cancel"
    other = await h.sent_po(uid("SKU"), "5")
    got = await h.call("POST", f"/purchase-orders/{other['po_no']}/cancel", "purchaser", json={"reason": "供应商停产"})
    assert got["status"] == "cancelled"


async def test_a_receipt_short_within_the_tolerance_completes_the_order(purchasing: Harness) -> None:
    h = purchasing
    po = await h.sent_po(uid("SKU"), "100")  # 5 % tolerance, both ways
    po_no = po["po_no"]
    await h.send(h.receipt(po, accepted="94"))  # 6 short: beyond it
    await h.until("SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "partially_received", p=po_no)
    other = await h.sent_po(uid("SKU"), "100")
    await h.send(h.receipt(other, accepted="96"))  # 4 short: within it, no manual close
    await h.until("SELECT status FROM purchase_orders WHERE po_no = :p", lambda s: s == "received", p=other["po_no"])
    got = await h.po(other["po_no"])
    assert got["lines"][0]["qty_received"] == "96.000"
    assert "line 1 short 4" in got["history"][-1]["reason"]
    trail = await h.call(
        "GET", "/audit", "purchasing_manager", params={"entity": "purchase_order", "id": other["po_no"]}
    )
    assert trail[0]["action"] == "received_short_within_tolerance" and trail[0]["after"]["short"] == {"1": "4.000"}
    assert trail[0]["context"].startswith("event:GoodsReceived:")

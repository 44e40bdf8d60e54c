"""Payables: a bill per goods receipt at PO price, three-way match, release, supplier payments, GRNI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from finance_testkit import Harness, doc, uid

from contracts.inventory import GoodsReceived, ReceiptLine
from contracts.purchasing import PurchaseOrderLine, PurchaseOrderSent, SupplierUpserted
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
D = Decimal
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def events(records: list, kind: str, **match: str) -> list[dict]:  # type: ignore[type-arg]
    out = [json.loads(r.value) for r in records]
    return [e for e in out if e["type"] == kind and all(e["payload"].get(k) == v for k, v in match.items())]


async def purchase(finance: Harness, price_tolerance: str | None = None) -> tuple[str, str]:
    supplier = uid("S")
    await finance.send(SupplierUpserted(supplier_code=supplier, name="Supplier", payment_terms_days=45, updated_at=AT))
    po = doc("PO")
    await finance.send(
        PurchaseOrderSent(
            po_no=po,
            supplier_code=supplier,
            warehouse_code="WH1",
            lines=[
                PurchaseOrderLine(line_no=1, sku="RAW-1", qty=D("100"), unit_price=D("12.50"), tax_rate=D("0.13")),
                PurchaseOrderLine(line_no=2, sku="RAW-2", qty=D("10"), unit_price=D("7.00"), tax_rate=D("0.13")),
            ],
            totals={"net": D("1320.00"), "tax": D("171.60"), "gross": D("1491.60")},
            expected_date=date(2026, 3, 10),
            payment_terms_days=45,
            sent_at=AT,
            **({} if price_tolerance is None else {"price_tolerance_pct": D(price_tolerance)}),
        )
    )
    await finance.until("SELECT count(*) FROM purchase_orders WHERE po_no = :p", p=po)
    return supplier, po


def receipt(
    po: str | None, supplier: str | None, lines: list[tuple[int | None, str, str, str]], **kw: object
) -> GoodsReceived:
    return GoodsReceived(
        grn_no=doc("GRN"),
        po_no=po,
        supplier_code=supplier,
        warehouse_code="WH1",
        lines=[
            ReceiptLine(
                line_no=i + 1,
                po_line_no=n,
                sku=sku,
                qty_received=D(acc) + D(rej),
                qty_accepted=D(acc),
                qty_rejected=D(rej),
                unit_cost=D("12.50"),
            )
            for i, (n, sku, acc, rej) in enumerate(lines)
        ],
        received_by="wh.user",
        received_at=AT,
        **kw,  # type: ignore[arg-type]
    )


async def received(finance: Harness, grn: GoodsReceived) -> None:
    await finance.send(grn)
    await finance.until("SELECT count(*) FROM goods_receipts WHERE grn_no = :g", g=grn.grn_no)


async def test_bill_per_receipt_at_po_price_matched_and_paid(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    supplier, po = await purchase(finance, price_tolerance="1")
    grn = receipt(po, supplier, [(1, "RAW-1", "40", "2"), (2, "RAW-2", "10", "0")])
    async with TopicTail(infra.kafka_bootstrap, "finance.payables") as tail:
        await finance.send(grn)
        await received(finance, grn)  # the same receipt again: one bill
        records = await tail.wait_for(lambda rs: bool(events(rs, "BillCreated", grn_no=grn.grn_no)))
    assert await finance.scalar("SELECT count(*) FROM bills WHERE grn_no = :g", g=grn.grn_no) == 1
    bill = events(records, "BillCreated", grn_no=grn.grn_no)[0]["payload"]
    # 40 accepted × 12.50 + 10 × 7.00 = 570.00 net, 74.10 VAT
    assert bill["totals"] == {"net": "570.00", "tax": "74.10", "gross": "644.10"}
    assert (bill["status"], bill["due_date"]) == ("open", "2026-04-16")
    bill_no = bill["bill_no"]
    # the supplier invoices within the PO's price tolerance of 1 % (12.60 is +0.8 %): matched, stays open
    invoice = {
        "invoice_ref": "SUP-INV-1",
        "lines": [
            {"line_no": 1, "qty": "40", "unit_price": "12.60"},
            {"line_no": 2, "qty": "10", "unit_price": "7.00"},
        ],
    }
    r = await finance.client.post(f"/api/v1/bills/{bill_no}/supplier-invoice", json=invoice, headers=auth("finance"))
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["status"]) == (True, "open")
    async with TopicTail(infra.kafka_bootstrap, "finance.payables") as tail:
        body = {"supplier_code": supplier, "amount": "300.00", "paid_on": "2026-04-01"}
        r = await finance.client.post("/api/v1/supplier-payments", json=body, headers=auth("finance"))
        assert r.status_code == 201, r.text
        assert await finance.scalar("SELECT status FROM bills WHERE bill_no = :b", b=bill_no) == "partially_paid"
        r = await finance.client.post(
            "/api/v1/supplier-payments", json={**body, "amount": "344.11"}, headers=auth("finance")
        )
        assert r.status_code == 409 and r.json()["code"] == "overpayment"
        r = await finance.client.post(
            "/api/v1/supplier-payments", json={**body, "amount": "344.10"}, headers=auth("finance")
        )
        assert r.status_code == 201
        records = await tail.wait_for(lambda rs: len(events(rs, "SupplierPaymentMade", supplier_code=supplier)) == 2)
    assert await finance.scalar("SELECT status FROM bills WHERE bill_no = :b", b=bill_no) == "paid"
    amounts = [
        e["payload"]["allocations"][0]["amount"] for e in events(records, "SupplierPaymentMade", supplier_code=supplier)
    ]
    assert amounts == ["300.00", "344.10"]
    # receipt: Dr inventory / Cr GRNI; bill: Dr GRNI + input VAT / Cr AP; payment: Dr AP / Cr cash
    grni = await finance.scalar(
        "SELECT sum(l.credit - l.debit) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
        "WHERE e.source_no IN (:g, :b) AND l.account_code = '2100'",
        g=grn.grn_no,
        b=bill_no,
    )
    assert grni == D("0.00")
    ap = await finance.scalar(
        "SELECT sum(credit - debit) FROM journal_lines WHERE party_code = :s AND account_code = '2000'", s=supplier
    )
    assert ap == D("0.00")


async def test_price_mismatch_holds_the_bill_until_released(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    supplier, po = await purchase(finance)
    grn = receipt(po, supplier, [(1, "RAW-1", "10", "0")])
    await received(finance, grn)
    bill_no = await finance.scalar("SELECT bill_no FROM bills WHERE grn_no = :g", g=grn.grn_no)
    invoice = {"invoice_ref": "SUP-INV-2", "lines": [{"line_no": 1, "qty": "10", "unit_price": "14.00"}]}  # +12 %
    async with TopicTail(infra.kafka_bootstrap, "finance.payables") as tail:
        r = await finance.client.post(
            f"/api/v1/bills/{bill_no}/supplier-invoice", json=invoice, headers=auth("finance")
        )
        assert r.status_code == 200
        assert (r.json()["status"], r.json()["reason"]) == ("on_hold", "price_mismatch")
        records = await tail.wait_for(lambda rs: bool(events(rs, "BillHeld", bill_no=bill_no)))
    held = events(records, "BillHeld", bill_no=bill_no)[0]["payload"]
    assert (held["reason"], held["tolerance_pct"], held["po_no"]) == ("price_mismatch", "0.00", po)
    assert held["lines"][0]["po_unit_price"] == "12.50" and held["lines"][0]["invoice_unit_price"] == "14.00"
    # the bill page shows the mismatch line by line
    bill = (await finance.client.get(f"/api/v1/bills/{bill_no}", headers=auth("auditor"))).json()
    assert (bill["status"], bill["hold_reason"]) == ("on_hold", "price_mismatch")
    # the PO's price tolerance (issue 19), not the receipt tolerance
    assert (bill["match"]["invoice_ref"], bill["match"]["tolerance_pct"]) == ("SUP-INV-2", "0.00")
    [line] = bill["match"]["lines"]
    assert line == {
        "line_no": 1,
        "sku": "RAW-1",
        "po_unit_price": "12.50",
        "invoice_unit_price": "14.00",
        "qty_received": "10.000",
        "qty_invoiced": "10",
        "amount_expected": "125.00",
        "amount_invoiced": "140.00",
        "price_mismatch": True,
        "qty_mismatch": False,
    }
    # a held bill cannot be paid
    pay = {
        "supplier_code": supplier,
        "amount": "10.00",
        "paid_on": "2026-04-01",
        "allocations": [{"bill_no": bill_no, "amount": "10.00"}],
    }
    r = await finance.client.post("/api/v1/supplier-payments", json=pay, headers=auth("finance"))
    assert r.status_code == 409 and r.json()["code"] == "bill_on_hold"
    # only a finance manager releases it, at the invoiced amount; the difference is price variance
    r = await finance.client.post(
        f"/api/v1/bills/{bill_no}/release", json={"comment": "agreed"}, headers=auth("finance")
    )
    assert r.status_code == 403
    r = await finance.client.post(
        f"/api/v1/bills/{bill_no}/release", json={"comment": "agreed"}, headers=auth("finance_manager")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["gross"]) == ("open", "158.20")
    variance = await finance.scalar(
        "SELECT sum(l.debit) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
        "WHERE e.source_no = :b AND l.account_code = '5100'",
        b=bill_no,
    )
    assert variance == D("15.00")
    rec = (await finance.client.get("/api/v1/ledger/reconciliation", headers=auth("finance"))).json()
    assert rec["all_agree"] is True, rec


async def test_any_price_difference_holds_the_bill_by_default(finance: Harness) -> None:
    """Issue 19: the price was matched with the receipt quantity tolerance (5 %), so a +2 % invoice was "matched"
    at the PO price and the difference vanished. Without a price tolerance on the PO, any difference holds it."""
    supplier, po = await purchase(finance)
    grn = receipt(po, supplier, [(1, "RAW-1", "10", "0")])
    await received(finance, grn)
    bill_no = await finance.scalar("SELECT bill_no FROM bills WHERE grn_no = :g", g=grn.grn_no)
    invoice = {"invoice_ref": "SUP-INV-3", "lines": [{"line_no": 1, "qty": "10", "unit_price": "12.75"}]}  # +2 %
    r = await finance.client.post(f"/api/v1/bills/{bill_no}/supplier-invoice", json=invoice, headers=auth("finance"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["reason"]) == ("on_hold", "price_mismatch")


async def test_quantity_mismatch_and_receipts_without_po_billed_or_received_not_billed(finance: Harness) -> None:
    supplier, po = await purchase(finance)
    grn = receipt(po, supplier, [(1, "RAW-1", "10", "0")])
    await received(finance, grn)
    bill_no = await finance.scalar("SELECT bill_no FROM bills WHERE grn_no = :g", g=grn.grn_no)
    invoice = {"invoice_ref": "SUP-INV-3", "lines": [{"line_no": 1, "qty": "12", "unit_price": "12.50"}]}
    r = await finance.client.post(f"/api/v1/bills/{bill_no}/supplier-invoice", json=invoice, headers=auth("finance"))
    assert (r.json()["status"], r.json()["reason"]) == ("on_hold", "quantity_mismatch")
    bill = (await finance.client.get(f"/api/v1/bills/{bill_no}", headers=auth("auditor"))).json()
    assert [(x["price_mismatch"], x["qty_mismatch"]) for x in bill["match"]["lines"]] == [(False, True)]
    # Without a PO, its supplier and prices given: the payable at those prices (the supplier's terms).
    loose = receipt(None, supplier, [(None, "RAW-9", "4", "0")], reason="sample delivery")
    await received(finance, loose)
    [bill] = await finance.rows("SELECT * FROM bills WHERE grn_no = :g", g=loose.grn_no)
    assert (bill.po_no, bill.supplier_code, bill.gross, bill.status) == (None, supplier, D("50.00"), "open")
    assert (bill.due_date - bill.bill_date).days == 45
    # Without a supplier: it stays received not billed, with its reason.
    unknown = receipt(None, None, [(None, "RAW-9", "2", "0")], reason="送错货, 供应商待查")
    await received(finance, unknown)
    r = await finance.client.get("/api/v1/payables/received-not-billed", headers=auth("auditor"))
    rows = {x["grn_no"]: x for x in r.json()}
    assert unknown.grn_no in rows and loose.grn_no not in rows and grn.grn_no not in rows
    assert (rows[unknown.grn_no]["value"], rows[unknown.grn_no]["reason"]) == ("25.00", "送错货, 供应商待查")

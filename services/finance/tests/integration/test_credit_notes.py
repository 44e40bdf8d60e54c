"""Credit notes: a paid invoice is credited, not voided; a partial note for returned lines settles the open
balance first and takes back the restocked goods' cost; a voided order's invoices are voided by credit notes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from finance_testkit import AR_TOPICS, Harness, events, line, pay

from contracts.sales import OrderVoided
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
D = Decimal
MANAGER = auth("finance_manager", sub="cfo.li")


async def balance(finance: Harness, source_no: str, account: str) -> Decimal:
    value = await finance.scalar(
        "SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
        "WHERE e.source_no = :s AND l.account_code = :a",
        s=source_no,
        a=account,
    )
    return D(value)


async def agree(finance: Harness) -> None:
    rec = (await finance.client.get("/api/v1/ledger/reconciliation", headers=auth("finance"))).json()
    assert rec["all_agree"] is True, rec
    tb = (await finance.client.get("/api/v1/ledger/trial-balance", headers=auth("auditor"))).json()
    assert tb["balanced"] is True


async def test_a_paid_invoice_is_not_voided_but_credited_leaving_customer_credit(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "2", "50.00")])
    inv = await finance.ship(finance.shipment(order, [(1, "SKU-A", "2", "20")]))  # 113.00 gross
    await pay(finance, customer, "113.00")
    r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/void", json={"reason": "x"}, headers=MANAGER)
    assert r.status_code == 409 and r.json()["code"] == "invoice_has_payments"
    assert "credit-notes" in r.json()["detail"]
    body = {"reason": "价格录错", "void": True}
    r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/credit-notes", json=body, headers=auth("finance"))
    assert r.status_code == 403
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/credit-notes", json=body, headers=MANAGER)
        assert r.status_code == 201, r.text
        cn = r.json()
        records = await tail.wait_for(lambda rs: bool(events(rs, "InvoiceVoided", invoice_no=inv.invoice_no)))
    assert cn["credit_note_no"].startswith("CN-") and (cn["gross"], cn["to_invoice"], cn["customer_credit"]) == (
        "113.00",
        "0.00",
        "113.00",
    )
    [voided] = events(records, "InvoiceVoided", invoice_no=inv.invoice_no)
    assert voided["payload"]["credit_note_no"] == cn["credit_note_no"]
    [issued] = events(records, "CreditNoteIssued", invoice_no=inv.invoice_no)
    assert issued["payload"]["customer_credit"] == "113.00" and issued["payload"]["allocations"] == []
    no = cn["credit_note_no"]
    assert await balance(finance, no, "4000") == D("100.00")  # revenue taken back
    assert await balance(finance, no, "2200") == D("13.00")  # output tax taken back
    assert await balance(finance, no, "2300") == D("-113.00")  # the customer's credit
    assert await balance(finance, no, "5000") == 0  # nothing came back to stock
    status = await finance.scalar("SELECT status FROM invoices WHERE invoice_no = :i", i=inv.invoice_no)
    assert status == "void"
    r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/credit-notes", json=body, headers=MANAGER)
    assert r.status_code == 409 and r.json()["code"] == "invoice_void"
    await agree(finance)


async def test_a_partial_note_for_returned_lines_settles_the_open_balance_and_restocks_at_cost(
    finance: Harness,
) -> None:
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "4", "25.00"), line(2, "SKU-B", "1", "10.00")])
    inv = await finance.ship(finance.shipment(order, [(1, "SKU-A", "4", "12.5"), (2, "SKU-B", "1", "4")]))
    await pay(finance, customer, "50.00")  # of 124.30: 74.30 open
    body = {"reason": "退货", "lines": [{"line_no": 1, "qty": "3", "restock": True}]}
    r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/credit-notes", json=body, headers=MANAGER)
    assert r.status_code == 201, r.text
    cn = r.json()
    assert (cn["net"], cn["tax"], cn["gross"], cn["cost"]) == ("75.00", "9.75", "84.75", "37.50")
    assert (cn["to_invoice"], cn["customer_credit"], cn["invoice_status"]) == ("74.30", "10.45", "paid")
    assert await balance(finance, cn["credit_note_no"], "1200") == D("37.50")  # stock back at the cost it left with
    assert await balance(finance, cn["credit_note_no"], "5000") == D("-37.50")
    assert await balance(finance, cn["credit_note_no"], "1100") == D("-74.30")
    more = {"reason": "again", "lines": [{"line_no": 1, "qty": "2"}]}
    r = await finance.client.post(f"/api/v1/invoices/{inv.invoice_no}/credit-notes", json=more, headers=MANAGER)
    assert r.status_code == 409 and r.json()["code"] == "credit_exceeds_invoice"
    r = await finance.client.get("/api/v1/credit-notes", params={"invoice_no": inv.invoice_no}, headers=auth("auditor"))
    assert [x["credit_note_no"] for x in r.json()] == [cn["credit_note_no"]]
    await agree(finance)


async def test_a_voided_order_voids_its_invoices_by_credit_notes(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "2", "10.00"), line(2, "SKU-B", "2", "10.00")])
    first = await finance.ship(finance.shipment(order, [(1, "SKU-A", "2", "5")]))
    second = await finance.ship(finance.shipment(order, [(2, "SKU-B", "2", "5")]))
    await pay(finance, customer, "22.60", allocations=[{"invoice_no": first.invoice_no, "amount": "22.60"}])
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        voided = OrderVoided(
            order_no=order, customer_code=customer, status="shipped", reason="录错", voided_at=datetime.now(UTC)
        )
        await finance.send(voided)
        records = await tail.wait_for(lambda rs: len(events(rs, "InvoiceVoided", order_no=order)) == 2)
    again = await finance.send(voided)  # sent again (another event id): nothing is left to credit
    await finance.until("SELECT count(*) FROM inbox WHERE message_id = :m", m=again.event_id)
    assert await finance.scalar("SELECT count(*) FROM credit_notes WHERE order_no = :o", o=order) == 2
    notes = {e["payload"]["invoice_no"]: e["payload"]["credit_note_no"] for e in events(records, "InvoiceVoided")}
    assert set(notes) == {first.invoice_no, second.invoice_no} and all(n.startswith("CN-") for n in notes.values())
    rows = await finance.rows(
        "SELECT invoice_no, to_invoice, unapplied FROM credit_notes WHERE order_no = :o ORDER BY invoice_no", o=order
    )
    assert [(r.to_invoice, r.unapplied) for r in rows] == [(D("0.00"), D("22.60")), (D("22.60"), D("0.00"))]
    statuses = await finance.rows("SELECT status, credit_note_no FROM invoices WHERE order_no = :o", o=order)
    assert {r.status for r in statuses} == {"void"} and all(r.credit_note_no for r in statuses)
    assert await finance.scalar("SELECT cancelled FROM sales_orders WHERE order_no = :o", o=order) is True
    await agree(finance)

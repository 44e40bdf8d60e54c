"""Invoices per shipment, customer payments, customer credit, settlement, and the ledger behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from finance_testkit import AR_TOPICS, Harness, events, line, pay
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from contracts.sales import CheckCredit
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
D = Decimal


async def test_invoice_per_shipment_exact_amounts_and_once(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="100000.00", terms=30)
    order = await finance.confirm(customer, [line(1, "SKU-A", "10", "99.90", "0.05"), line(2, "SKU-B", "3", "33.33")])
    await finance.send(CheckCredit(order_no=order, customer_code=customer, amount=D("1185.42")))
    await finance.until("SELECT count(*) FROM credit_holds WHERE order_no = :o", o=order)
    shipment = finance.shipment(order, [(1, "SKU-A", "4", "60.1234"), (2, "SKU-B", "3", "20")])
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        await finance.send(shipment)
        await finance.send(shipment)  # a second delivery with a new event id: still one invoice
        invoice = await finance.ship(shipment)
        records = await tail.wait_for(lambda rs: bool(events(rs, "InvoiceIssued", order_no=order)))
    assert (invoice.net, invoice.tax, invoice.gross, invoice.cost) == (
        D("479.61"),
        D("62.35"),
        D("541.96"),
        D("300.49"),
    )
    assert (invoice.issue_date, invoice.due_date, invoice.status) == (date(2026, 3, 1), date(2026, 3, 31), "open")
    issued = events(records, "InvoiceIssued", order_no=order)[0]["payload"]
    assert issued["totals"] == {"net": "479.61", "tax": "62.35", "gross": "541.96"}
    assert [(x["line_no"], x["net"], x["tax"]) for x in issued["lines"]] == [
        (1, "379.62", "49.35"),
        (2, "99.99", "13.00"),
    ]
    assert issued["invoice_no"].startswith("INV-2026-")
    # a third copy, later: still one
    await finance.send(shipment)
    await finance.send(finance.shipment(order, [(1, "SKU-A", "1", "60")]))  # a marker shipment after it
    await finance.until("SELECT count(*) FROM invoices WHERE order_no = :o", lambda n: n == 2, o=order)
    assert await finance.scalar("SELECT count(*) FROM invoices WHERE do_no = :d", d=shipment.do_no) == 1
    # the hold shrank by what was invoiced; exposure is receivables + the rest of the hold
    r = await finance.client.get(f"/api/v1/credit-accounts/{customer}", headers=auth("finance"))
    assert r.json()["exposure"] == "1185.42"
    entries = (
        await finance.client.get(f"/api/v1/ledger/entries?source_no={invoice.invoice_no}", headers=auth("auditor"))
    ).json()
    legs = {(x["account"], x["debit"], x["credit"]) for x in entries[0]["lines"]}
    assert legs == {
        ("1100", "541.96", "0.00"),
        ("4000", "0.00", "479.61"),
        ("2200", "0.00", "62.35"),
        ("5000", "300.49", "0.00"),
        ("1200", "0.00", "300.49"),
    }


async def test_payments_oldest_first_partial_overpayment_credit_and_settlement(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="100000.00", terms=30)
    order = await finance.confirm(customer, [line(1, "SKU-A", "10", "99.90", "0.05"), line(2, "SKU-B", "3", "33.33")])
    first = await finance.ship(finance.shipment(order, [(1, "SKU-A", "4", "60"), (2, "SKU-B", "3", "20")]))
    second = await finance.ship(
        finance.shipment(order, [(1, "SKU-A", "6", "60")], shipped_at=datetime(2026, 3, 5, tzinfo=UTC))
    )
    assert (first.gross, second.gross, second.due_date) == (D("541.96"), D("643.46"), date(2026, 4, 4))
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        p1 = await pay(finance, customer, "600.00")
        assert p1["allocations"] == [
            {"invoice_no": first.invoice_no, "order_no": order, "amount": "541.96"},
            {"invoice_no": second.invoice_no, "order_no": order, "amount": "58.04"},
        ]
        assert p1["unallocated"] == "0.00" and p1["payment_no"].startswith("PAY-2026-")
        statuses = await finance.rows(
            "SELECT status, paid FROM invoices WHERE order_no = :o ORDER BY due_date", o=order
        )
        assert [(s.status, s.paid) for s in statuses] == [("paid", D("541.96")), ("partially_paid", D("58.04"))]
        p2 = await pay(finance, customer, "700.00", reference="BANK-77")
        assert p2["allocations"] == [{"invoice_no": second.invoice_no, "order_no": order, "amount": "585.42"}]
        assert p2["unallocated"] == "114.58"
        # Everything this test reads: the events sit on two topics, fetched independently.
        records = await tail.wait_for(
            lambda rs: (
                bool(events(rs, "OrderSettled", order_no=order))
                and bool(events(rs, "PaymentReceived", payment_no=p2["payment_no"]))
                and len(events(rs, "PaymentAllocated", invoice_no=second.invoice_no)) >= 2
            )
        )
    settled = events(records, "OrderSettled", order_no=order)
    assert len(settled) == 1
    assert (settled[0]["payload"]["invoiced"], settled[0]["payload"]["paid"]) == ("1185.42", "1185.42")
    received = events(records, "PaymentReceived", payment_no=p2["payment_no"])[0]["payload"]
    assert (received["amount"], received["unallocated"]) == ("700.00", "114.58")
    allocated = events(records, "PaymentAllocated", invoice_no=second.invoice_no)
    assert [(e["payload"]["amount"], e["payload"]["invoice_status"]) for e in allocated] == [
        ("58.04", "partially_paid"),
        ("585.42", "paid"),
    ]
    # the overpayment is credit, never lost: the next invoice is paid from it automatically
    nxt = await finance.confirm(customer, [line(1, "SKU-C", "1", "100.00")])
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        inv = await finance.ship(finance.shipment(nxt, [(1, "SKU-C", "1", "50")]))
        records = await tail.wait_for(lambda rs: bool(events(rs, "OrderSettled", order_no=nxt)))
    assert inv.gross == D("113.00")
    assert await finance.scalar("SELECT status FROM invoices WHERE invoice_no = :i", i=inv.invoice_no) == "paid"
    assert await finance.scalar(
        "SELECT unallocated FROM customer_payments WHERE payment_no = :p", p=p2["payment_no"]
    ) == D("1.58")
    assert (
        events(records, "PaymentAllocated", invoice_no=inv.invoice_no)[0]["payload"]["payment_no"] == p2["payment_no"]
    )


async def test_explicit_allocation_and_refusals(finance: Harness) -> None:
    customer = await finance.customer(limit="100000.00")
    order = await finance.confirm(customer, [line(1, "SKU-A", "2", "100.00", tax="0")])
    older = await finance.ship(
        finance.shipment(order, [(1, "SKU-A", "1", "10")], shipped_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
    newer = await finance.ship(finance.shipment(order, [(1, "SKU-A", "1", "10")]))
    p = await pay(finance, customer, "150.00", allocations=[{"invoice_no": newer.invoice_no, "amount": "100.00"}])
    assert p["allocations"] == [{"invoice_no": newer.invoice_no, "order_no": order, "amount": "100.00"}]
    assert p["unallocated"] == "50.00"
    assert await finance.scalar("SELECT paid FROM invoices WHERE invoice_no = :i", i=older.invoice_no) == D("0.00")
    before = await finance.scalar("SELECT count(*) FROM customer_payments")
    bad = {"customer_code": customer, "amount": "10.00", "received_on": "2026-03-20"}
    too_much = {**bad, "allocations": [{"invoice_no": older.invoice_no, "amount": "100.01"}]}
    r = await finance.client.post("/api/v1/payments", json=too_much, headers=auth("finance"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "allocations"
    r = await finance.client.post("/api/v1/payments", json={**bad, "amount": "-1"}, headers=auth("finance"))
    assert r.status_code == 422
    r = await finance.client.post("/api/v1/payments", json=bad, headers=auth("sales"))
    assert r.status_code == 403
    r = await finance.client.post("/api/v1/payments", json={**bad, "customer_code": "NOPE-1"}, headers=auth("finance"))
    assert r.status_code == 404
    assert await finance.scalar("SELECT count(*) FROM customer_payments") == before
    # applying the credit on request pays the older invoice's remaining 100 with the 50 left
    r = await finance.client.post(f"/api/v1/customers/{customer}/apply-credit", headers=auth("finance"))
    assert r.json()["allocations"] == [{"invoice_no": older.invoice_no, "order_no": order, "amount": "50.00"}]


async def test_void_reverses_the_journal(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "1", "10.00")])
    inv = await finance.ship(finance.shipment(order, [(1, "SKU-A", "1", "5")]))
    r = await finance.client.post(
        f"/api/v1/invoices/{inv.invoice_no}/void", json={"reason": "wrong price"}, headers=auth("finance")
    )
    assert r.status_code == 403
    async with TopicTail(infra.kafka_bootstrap, *AR_TOPICS) as tail:
        r = await finance.client.post(
            f"/api/v1/invoices/{inv.invoice_no}/void", json={"reason": "wrong price"}, headers=auth("finance_manager")
        )
        assert r.status_code == 200, r.text
        records = await tail.wait_for(lambda rs: bool(events(rs, "InvoiceVoided", invoice_no=inv.invoice_no)))
    assert events(records, "InvoiceVoided", invoice_no=inv.invoice_no)[0]["payload"]["amount"] == "11.30"
    net = await finance.scalar(
        "SELECT sum(l.debit - l.credit) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
        "WHERE e.source_no = :i AND l.account_code = '1100'",
        i=inv.invoice_no,
    )
    assert net == D("0.00")
    again = await finance.client.post(
        f"/api/v1/invoices/{inv.invoice_no}/void", json={"reason": "again"}, headers=auth("finance_manager")
    )
    assert again.status_code == 409


async def test_database_refuses_an_unbalanced_entry(finance: Harness) -> None:
    with pytest.raises(DBAPIError, match="unbalanced"):
        async with finance.runtime.db.transaction() as s:
            entry = await s.scalar(
                text(
                    "INSERT INTO journal_entries (entry_date, source_type, source_no, posted_at) "
                    "VALUES ('2026-03-01', 'manual', 'X-1', now()) RETURNING id"
                )
            )
            await s.execute(
                text("INSERT INTO journal_lines (entry_id, account_code, debit, credit) VALUES (:e, '1000', 10, 0)"),
                {"e": entry},
            )
    assert await finance.scalar("SELECT count(*) FROM journal_entries WHERE source_no = 'X-1'") == 0


async def test_trial_balance_and_subledgers_agree_after_the_mixed_scenarios(finance: Harness) -> None:
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "3", "19.99", "0.1")])
    await finance.ship(finance.shipment(order, [(1, "SKU-A", "3", "7.5")]))
    await pay(finance, customer, "100.00")  # more than owed: 36.99 is credit
    tb = (await finance.client.get("/api/v1/ledger/trial-balance", headers=auth("auditor"))).json()
    assert tb["balanced"] is True and tb["total_debit"] == tb["total_credit"] != "0.00"
    rec = (await finance.client.get("/api/v1/ledger/reconciliation", headers=auth("finance"))).json()
    assert rec["all_agree"] is True, rec
    receivables = next(c for c in rec["checks"] if c["name"] == "receivables")
    assert receivables["subledger_total"] == receivables["control_balance"]
    credit = next(c for c in rec["checks"] if c["name"] == "customer_credit")
    assert D(credit["control_balance"]) >= D("36.99")

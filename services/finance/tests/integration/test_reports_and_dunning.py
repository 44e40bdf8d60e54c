"""Statements, ageing, and dunning driven by the periodic tick with a ManualClock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from finance_testkit import Harness, line

from finance.main import DUNNING_JOB, dunning_tick
from servicekit.scheduler import run_once
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
D = Decimal


async def test_customer_statement_and_ageing(finance: Harness) -> None:
    customer = await finance.customer(terms=10)
    order = await finance.confirm(customer, [line(1, "SKU-A", "2", "50.00", tax="0")], terms=10)
    await finance.ship(finance.shipment(order, [(1, "SKU-A", "1", "1")], shipped_at=datetime(2026, 1, 5, tzinfo=UTC)))
    inv = await finance.ship(
        finance.shipment(order, [(1, "SKU-A", "1", "1")], shipped_at=datetime(2026, 2, 10, tzinfo=UTC))
    )
    body = {"customer_code": customer, "amount": "30.00", "received_on": "2026-02-15"}
    assert (await finance.client.post("/api/v1/payments", json=body, headers=auth("finance"))).status_code == 201
    r = await finance.client.get(
        f"/api/v1/statements/customers/{customer}?from=2026-02-01&to=2026-02-28", headers=auth("auditor")
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["opening_balance"], s["closing_balance"]) == ("50.00", "70.00")
    assert [(d["document_no"], d["debit"], d["credit"]) for d in s["documents"]] == [
        (inv.invoice_no, "50.00", "0.00"),
        (s["documents"][1]["document_no"], "0.00", "30.00"),
    ]
    ageing = (await finance.client.get("/api/v1/ageing/receivables?as_of=2026-03-01", headers=auth("finance"))).json()
    mine = next(p for p in ageing["parties"] if p["code"] == customer)
    # oldest first: January's invoice (due 01-15, 45 days late) has 20 left, February's (due 02-20) all 50
    assert (mine["current"], mine["1-30"], mine["31-60"], mine["total"]) == ("0.00", "50.00", "20.00", "70.00")


async def test_dunning_steps_once_per_offset(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(terms=30)
    order = await finance.confirm(customer, [line(1, "SKU-A", "1", "80.00", tax="0")])
    inv = await finance.ship(
        finance.shipment(order, [(1, "SKU-A", "1", "1")], shipped_at=datetime(2026, 6, 1, tzinfo=UTC))
    )
    start = finance.clock.now()
    mine = lambda rs, kind: [  # noqa: E731
        json.loads(r.value)
        for r in rs
        if json.loads(r.value)["type"] == kind and json.loads(r.value)["payload"]["invoice_no"] == inv.invoice_no
    ]
    try:
        async with TopicTail(infra.kafka_bootstrap, "finance.receivables") as tail:
            finance.clock.set(datetime(2026, 6, 28, 8, tzinfo=UTC))  # 3 days before the due date (07-01)
            assert await run_once(finance.runtime, DUNNING_JOB, dunning_tick)
            assert await run_once(finance.runtime, DUNNING_JOB, dunning_tick)  # the same day again: nothing new
            finance.clock.set(datetime(2026, 7, 9, 8, tzinfo=UTC))  # 8 days late: +1 and +7 steps, overdue once
            assert await run_once(finance.runtime, DUNNING_JOB, dunning_tick)
            finance.clock.advance(timedelta(hours=1))
            assert await run_once(finance.runtime, DUNNING_JOB, dunning_tick)
            records = await tail.wait_for(
                lambda rs: len(mine(rs, "DunningReminderIssued")) >= 3 and bool(mine(rs, "InvoiceOverdue"))
            )
    finally:
        finance.clock.set(start)
    reminders = [(e["payload"]["level"], e["payload"]["days_from_due"]) for e in mine(records, "DunningReminderIssued")]
    assert reminders == [(1, -3), (2, 1), (3, 7)]
    overdue = mine(records, "InvoiceOverdue")
    assert len(overdue) == 1
    assert (overdue[0]["payload"]["days_overdue"], overdue[0]["payload"]["outstanding"]) == (8, "80.00")


async def test_dunning_offsets_per_customer_group(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    group = f"KEY-{finance.clock.now().timestamp():.0f}"
    body = {"name": "大客户: 到期后 10 天才催", "offsets_days": [20, 10]}
    r = await finance.client.put(f"/api/v1/dunning-groups/{group}", json=body, headers=auth("finance"))
    assert r.status_code == 403
    r = await finance.client.put(f"/api/v1/dunning-groups/{group}", json=body, headers=auth("finance_manager"))
    assert r.status_code == 200 and r.json()["offsets_days"] == [10, 20]
    patient, usual = await finance.customer(terms=30), await finance.customer(terms=30)
    r = await finance.client.put(
        f"/api/v1/customers/{patient}/dunning-group", json={"dunning_group": group}, headers=auth("finance_manager")
    )
    assert r.status_code == 200, r.text
    invoices = {}
    for customer in (patient, usual):
        order = await finance.confirm(customer, [line(1, "SKU-A", "1", "80.00", tax="0")])
        shipment = finance.shipment(order, [(1, "SKU-A", "1", "1")], shipped_at=datetime(2026, 6, 1, tzinfo=UTC))
        invoices[customer] = (await finance.ship(shipment)).invoice_no
    start = finance.clock.now()

    def reminders(rs, customer):  # type: ignore[no-untyped-def]
        found = [json.loads(r.value) for r in rs]
        return [
            e["payload"]["days_from_due"]
            for e in found
            if e["type"] == "DunningReminderIssued" and e["payload"]["invoice_no"] == invoices[customer]
        ]

    try:
        async with TopicTail(infra.kafka_bootstrap, "finance.receivables") as tail:
            finance.clock.set(datetime(2026, 7, 12, 8, tzinfo=UTC))  # 11 days after the due date (07-01)
            assert await run_once(finance.runtime, DUNNING_JOB, dunning_tick)
            records = await tail.wait_for(lambda rs: len(reminders(rs, usual)) >= 3 and reminders(rs, patient))
    finally:
        finance.clock.set(start)
    assert reminders(records, usual) == [-3, 1, 7]  # the default offsets
    assert reminders(records, patient) == [10]  # the group's: 20 is not reached yet

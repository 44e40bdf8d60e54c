"""Month-end close: the reconciliation report lists per control account the documents explaining it; a closed
month takes no payment dated in it (409), an event's entry dated in it goes to the next open month; reopening
is audited and lets the date in again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from finance_testkit import Harness, line

from servicekit.testing import auth

pytestmark = pytest.mark.integration
MANAGER = auth("finance_manager", sub="cfo.li")


async def test_a_closed_month_refuses_postings_and_reopens_audited(finance: Harness) -> None:
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "1", "100.00", tax="0")])
    period = "2031-01"
    r = await finance.client.get(f"/api/v1/periods/{period}/reconciliation", headers=auth("auditor"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert {c["name"] for c in report["checks"]} == {"receivables", "customer_credit", "payables", "inventory", "grni"}
    assert all("documents" in c and "difference" in c for c in report["checks"])
    assert (await finance.client.post(f"/api/v1/periods/{period}/close", headers=auth("finance"))).status_code == 403
    r = await finance.client.post(f"/api/v1/periods/{period}/close", headers=MANAGER)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    again = await finance.client.post(f"/api/v1/periods/{period}/close", headers=MANAGER)
    assert again.status_code == 409 and again.json()["code"] == "period_closed"

    body = {"customer_code": customer, "amount": "10.00", "received_on": "2031-01-20"}
    refused = await finance.client.post("/api/v1/payments", json=body, headers=auth("finance"))
    assert refused.status_code == 409 and refused.json()["code"] == "period_closed"
    # An invoice for a shipment of January is booked, on the first day of February.
    inv = await finance.ship(
        finance.shipment(order, [(1, "SKU-A", "1", "5")], shipped_at=datetime(2031, 1, 20, tzinfo=UTC))
    )
    [entry] = (
        await finance.client.get("/api/v1/ledger/entries", params={"source_no": inv.invoice_no}, headers=MANAGER)
    ).json()
    assert entry["entry_date"] == "2031-02-01" and "closed period 2031-01" in entry["memo"]

    reopened = await finance.client.post(
        f"/api/v1/periods/{period}/reopen", json={"reason": "补录付款"}, headers=MANAGER
    )
    assert reopened.status_code == 200, reopened.text
    audit = (
        await finance.client.get("/api/v1/audit", params={"entity": "period", "id": period}, headers=MANAGER)
    ).json()
    assert [e["action"] for e in audit] == ["reopened", "closed"] and audit[0]["after"]["reason"] == "补录付款"
    accepted = await finance.client.post("/api/v1/payments", json=body, headers=auth("finance"))
    assert accepted.status_code == 201, accepted.text
    listed = (await finance.client.get("/api/v1/periods", headers=auth("finance"))).json()
    assert any(p["period"] == period and p["status"] == "open" and p["reopened_by"] == "cfo.li" for p in listed)

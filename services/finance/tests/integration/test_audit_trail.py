"""The audit trail through its endpoint (servicekit.operations): a change an event handler made (an invoice issued
for a shipment) is in it, by `system`, with the causing event as its context; who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from finance_testkit import Harness, line

from servicekit.testing import auth

pytestmark = pytest.mark.integration


async def test_the_audit_endpoint_shows_an_invoice_issued_by_an_event(finance: Harness) -> None:
    customer = await finance.customer()
    order = await finance.confirm(customer, [line(1, "SKU-A", "1", "10.00")])
    shipment = finance.shipment(order, [(1, "SKU-A", "1", "5")])
    inv = await finance.ship(shipment)
    params = {"entity": "invoice", "id": inv.invoice_no}
    r = await finance.client.get("/api/v1/audit", params=params, headers=auth("auditor"))
    assert r.status_code == 200, r.text
    [entry] = r.json()
    assert (entry["actor"], entry["action"], entry["after"]["do_no"]) == ("system", "issued", shipment.do_no)
    assert entry["context"].startswith("event:ShipmentDispatched:")
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    r = await finance.client.get(
        "/api/v1/audit", params={"actor": "system", "from": since}, headers=auth("finance_manager")
    )
    assert inv.invoice_no in {e["entity_id"] for e in r.json()}
    r = await finance.client.get("/api/v1/audit", params={"from": datetime.now(UTC).isoformat()}, headers=auth("admin"))
    assert inv.invoice_no not in {e["entity_id"] for e in r.json()}
    assert (await finance.client.get("/api/v1/audit", headers=auth("finance"))).status_code == 403


async def test_dead_letters_are_listed_for_the_admin_and_replayed_audited(finance: Harness) -> None:
    listed = await finance.client.get("/api/v1/admin/dead-letters", headers=auth("auditor"))
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    assert (
        await finance.client.post("/api/v1/admin/dead-letters/replay", json={}, headers=auth("auditor"))
    ).status_code == 403
    r = await finance.client.post(
        "/api/v1/admin/dead-letters/replay", json={"reason": "no_such_reason"}, headers=auth("admin", sub="ops.wang")
    )
    assert r.status_code == 200 and r.json() == {"replayed": 0}
    r = await finance.client.get(
        "/api/v1/audit", params={"entity": "dead_letters", "actor": "ops.wang"}, headers=auth("admin")
    )
    assert r.json()[0]["action"] == "replayed" and r.json()[0]["after"] == {"reason": "no_such_reason", "replayed": 0}

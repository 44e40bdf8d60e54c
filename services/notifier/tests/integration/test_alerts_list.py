"""The alerts list by severity: `min_severity=warning` gives the anomalies without the notices (info) that the
same event raised, as the console's dashboard asks for them."""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.testing import auth

pytestmark = pytest.mark.integration


async def test_min_severity_keeps_the_anomalies_and_leaves_the_notices(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        notice = {
            "code": "short_receipt_fyi",
            "kind": "event",
            "event_type": "PurchaseAnomalyRaised",
            "severity": "info",
            "conditions": [{"path": "anomaly_type", "op": "eq", "value": "short_receipt"}],
            "recipients": [{"kind": "role", "address": "purchasing_manager"}],
            "channels": ["in_app"],
            "template_key": "purchase_anomaly",
        }
        assert (await n.client.post("/api/v1/rules", json=notice, headers=auth("admin"))).status_code == 201
        po_no = make.po_no()
        await n.processed(await n.publish(make.anomaly(po_no, "short_receipt")))

        async def listed(**params: str) -> list[tuple[str, str]]:
            r = await n.client.get("/api/v1/alerts", params={"subject_id": po_no, **params}, headers=auth("auditor"))
            assert r.status_code == 200, r.text
            return sorted((a["rule_code"], a["severity"]) for a in r.json())

        assert await listed() == [("po_short_receipt", "warning"), ("short_receipt_fyi", "info")]
        assert await listed(min_severity="info", open_only="true") == await listed()
        assert await listed(min_severity="warning") == [("po_short_receipt", "warning")]
        assert await listed(min_severity="critical") == []
        r = await n.client.get("/api/v1/alerts", params={"min_severity": "loud"}, headers=auth("auditor"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("min_severity"), r.text

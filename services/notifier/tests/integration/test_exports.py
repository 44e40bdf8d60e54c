"""The notifier's lists as files: alerts, cases and the case report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from servicekit.testing import auth

pytestmark = pytest.mark.integration


async def open_case(n: Any, make: Any, anomaly: str, supplier: str) -> dict[str, Any]:
    env = await n.publish(make.anomaly(make.po_no(), anomaly, supplier=supplier))
    await n.processed(env)
    r = await n.client.get("/api/v1/cases", params={"supplier_code": supplier}, headers=auth("auditor"))
    return dict(r.json()[0])


async def test_cases_alerts_and_report_export(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        start = n.clock.now()
        supplier = f"SUP-{make.seq()}"
        case = await open_case(n, make, "short_receipt", supplier)
        headers = auth("auditor")
        r = await n.client.get("/api/v1/cases", params={"supplier_code": supplier, "format": "csv"}, headers=headers)
        table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert table[0][0] == "工单号 / Case" and [row[0] for row in table[1:]] == [case["case_no"]]
        r = await n.client.get("/api/v1/alerts", params={"format": "xlsx"}, headers=headers)
        assert r.status_code == 200 and r.content.startswith(b"PK")
        period = {
            "opened_from": (start - timedelta(hours=1)).isoformat(),
            "opened_to": (start + timedelta(days=1)).isoformat(),
            "format": "csv",
        }
        r = await n.client.get("/api/v1/reports/cases", params=period, headers=headers)
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert ["by_supplier", supplier, "1"] in rows

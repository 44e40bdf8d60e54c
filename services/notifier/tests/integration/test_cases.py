"""Exception cases: escalation past the SLA (and the re-alert), the workflow through the API, and the
report's figures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from servicekit.testing import Infra, TopicTail, auth

pytestmark = pytest.mark.integration


async def open_case(n: Any, make: Any, anomaly: str, supplier: str = "SUP-1") -> dict[str, Any]:
    po = make.po_no()
    env = await n.publish(make.anomaly(po, anomaly, supplier=supplier))
    await n.processed(env)
    [case] = (await n.client.get("/api/v1/cases", params={"supplier_code": supplier}, headers=auth("auditor"))).json()[
        :1
    ]
    assert case["subject_id"] == po
    return dict(case)


async def test_case_past_sla_is_escalated_and_realerted(infra: Infra, notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        supplier = f"SUP-{make.seq()}"
        case = await open_case(n, make, "price_mismatch", supplier)  # SLA 48 h; purchasing_manager, finance_manager
        assert (case["state"], case["assignee_role"], case["level"]) == ("open", "purchaser", 0)
        no = case["case_no"]
        async with TopicTail(infra.kafka_bootstrap, "notifier.cases", "notifier.alerts") as tail:
            n.clock.advance(timedelta(hours=47, minutes=59))
            await n.tick()
            assert (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()["state"] == "open"
            n.clock.advance(timedelta(minutes=1))
            await n.tick()
            await n.tick()
            detail = (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()
            assert (detail["state"], detail["level"], detail["assignee_role"]) == ("escalated", 1, "purchasing_manager")

            def escalations(rs: Any) -> list[dict[str, Any]]:
                # the topic is shared with other tests and services: keep this case's events
                found = [json.loads(r.value) for r in rs]
                return [e["payload"] for e in found if e["type"] == "ExceptionCaseEscalated" and e["key"] == no]

            escalated = escalations(await tail.wait_for(lambda rs: len(escalations(rs)) >= 1))
        assert [(e["case_no"], e["level"], e["to_role"], e["reason"]) for e in escalated] == [
            (no, 1, "purchasing_manager", "sla_breached")
        ]
        # re-alerted to the new owner, in-app
        inbox = (await n.client.get("/api/v1/inbox", headers=auth("purchasing_manager", sub="boss"))).json()
        assert [i["rule_code"] for i in inbox] == ["case_escalated"] and no in inbox[0]["title_zh"]

        # the next SLA window: up the ladder once more
        n.clock.advance(timedelta(hours=48))
        await n.tick()
        detail = (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()
        assert (detail["level"], detail["assignee_role"]) == (2, "finance_manager")
        inbox = (await n.client.get("/api/v1/inbox", headers=auth("finance_manager"))).json()
        assert [i["rule_code"] for i in inbox] == ["case_escalated"]

        # worked by people: assign, comment, link, resolve, close; closed is final
        h = auth("finance_manager", sub="zhao.min")
        r = await n.client.post(f"/api/v1/cases/{no}/assign", json={"user": "zhao.min"}, headers=h)
        assert r.status_code == 200 and r.json()["state"] == "processing"
        assert (
            await n.client.post(f"/api/v1/cases/{no}/comments", json={"body": "供应商确认价格"}, headers=h)
        ).status_code == 201
        assert (
            await n.client.post(
                f"/api/v1/cases/{no}/links", json={"doc_type": "bill", "doc_id": "BILL-2026-000001"}, headers=h
            )
        ).status_code == 201
        r = await n.client.post(f"/api/v1/cases/{no}/close", headers=h)
        assert r.status_code == 409 and r.json()["code"] == "invalid_case_transition"
        r = await n.client.post(f"/api/v1/cases/{no}/resolve", json={"resolution": "credit note"}, headers=h)
        assert r.json()["state"] == "resolved"
        assert (await n.client.post(f"/api/v1/cases/{no}/close", headers=h)).json()["state"] == "closed"
        r = await n.client.post(f"/api/v1/cases/{no}/comments", json={"body": "x"}, headers=h)
        assert r.status_code == 409
        assert (
            await n.client.post(f"/api/v1/cases/{no}/resolve", json={"resolution": "x"}, headers=auth("auditor"))
        ).status_code == 403
        detail = (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()
        assert [h["to_state"] for h in detail["history"]] == [
            "open",
            "escalated",
            "escalated",
            "processing",
            "resolved",
            "closed",
        ]
        assert detail["comments"][0]["body"] == "供应商确认价格"
        assert {"doc_type": "bill", "doc_id": "BILL-2026-000001"} in detail["links"]
        # a closed case no longer escalates
        n.clock.advance(timedelta(days=30))
        await n.tick()
        assert (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()["level"] == 2


async def test_report_figures_match_the_cases(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        start = n.clock.now()
        s1, s2 = f"SUP-{make.seq()}", f"SUP-{make.seq()}"
        a = await open_case(n, make, "short_receipt", s1)
        n.clock.advance(timedelta(hours=1))
        b = await open_case(n, make, "over_receipt", s1)
        n.clock.advance(timedelta(hours=1))
        c = await open_case(n, make, "short_receipt", s2)
        h = auth("purchaser", sub="buyer")
        # a resolved 10 h after opening, b resolved 4 h after and closed, c stays open
        n.clock.set(start + timedelta(hours=10))
        assert (
            await n.client.post(f"/api/v1/cases/{a['case_no']}/resolve", json={"resolution": "ok"}, headers=h)
        ).status_code == 200
        n.clock.set(start + timedelta(hours=5))
        await n.client.post(f"/api/v1/cases/{b['case_no']}/resolve", json={"resolution": "ok"}, headers=h)
        await n.client.post(f"/api/v1/cases/{b['case_no']}/close", headers=h)
        params = {"opened_from": start.isoformat(), "opened_to": (start + timedelta(days=1)).isoformat()}
        r = await n.client.get("/api/v1/reports/cases", params=params, headers=auth("auditor"))
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["total"] == 3 and report["resolved"] == 2 and report["escalated"] == 0
        assert report["by_type"] == {"short_receipt": 2, "over_receipt": 1}
        assert report["by_supplier"] == {s1: 2, s2: 1}
        assert report["by_state"] == {"resolved": 1, "closed": 1, "open": 1}
        assert report["mean_hours_to_resolve"] == "7.00"  # (10 + 4) / 2
        assert report["mean_hours_to_resolve_by_type"] == {"short_receipt": "10.00", "over_receipt": "4.00"}
        assert c["state"] == "open"
        # closed cases stay queryable
        closed = (await n.client.get("/api/v1/cases", params={"state": "closed"}, headers=auth("auditor"))).json()
        assert [x["case_no"] for x in closed] == [b["case_no"]]
        later = {
            "opened_from": (start + timedelta(days=1)).isoformat(),
            "opened_to": (start + timedelta(days=2)).isoformat(),
        }
        r = await n.client.get("/api/v1/reports/cases", params=later, headers=auth("auditor"))
        assert r.json()["total"] == 0 and r.json()["mean_hours_to_resolve"] is None
        bad = await n.client.get(
            "/api/v1/reports/cases", params={**params, "opened_to": params["opened_from"]}, headers=auth("auditor")
        )
        assert bad.status_code == 422


async def test_who_may_work_a_case(notifier_factory: Any, make: Any) -> None:
    """A purchasing price-mismatch case (owner role purchaser): its owners and their manager work it, the
    assigned user too; sales, finance and warehouse may only comment; admin may."""
    async with notifier_factory() as n:
        case = await open_case(n, make, "price_mismatch", f"SUP-{make.seq()}")
        no = case["case_no"]
        assert case["assignee_role"] == "purchaser"

        async def post(action: str, role: str, sub: str = "someone", **body: Any) -> Any:
            return await n.client.post(f"/api/v1/cases/{no}/{action}", json=body, headers=auth(role, sub=sub))

        for outsider in ("sales", "finance", "warehouse", "finance_manager", "sales_manager"):
            assert (await post("assign", outsider, user=outsider)).status_code == 403, outsider
            assert (await post("escalate", outsider)).status_code == 403, outsider
            assert (await post("resolve", outsider, resolution="mine now")).status_code == 403, outsider
            assert (await post("close", outsider)).status_code == 403, outsider
            assert (await post("comments", outsider, body="seen it")).status_code == 201, outsider
        assert (await post("assign", "purchaser", sub="buyer.a", user="buyer.b")).status_code == 200
        # assigned to buyer.b: buyer.b works it whatever their roles; the owner role's manager too
        assert (await post("resolve", "sales", sub="buyer.b", resolution="credit note")).status_code == 200
        assert (await post("close", "purchasing_manager", sub="mgr.li")).status_code == 200
        detail = (await n.client.get(f"/api/v1/cases/{no}", headers=auth("auditor"))).json()
        assert detail["state"] == "closed" and detail["resolved_by"] == "buyer.b"
        assert [c["author"] for c in detail["comments"]] == ["someone"] * 5


async def test_queue_by_sla_shows_time_left_and_breached(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        supplier = f"SUP-{make.seq()}"
        first = await open_case(n, make, "price_mismatch", supplier)  # SLA 48 h
        n.clock.advance(timedelta(hours=1))
        second = await open_case(n, make, "price_mismatch", supplier)
        query = {"supplier_code": supplier, "active": "true", "sort": "sla"}

        async def queue() -> list[tuple[str, int | None, bool]]:
            r = await n.client.get("/api/v1/cases", params=query, headers=auth("auditor"))
            return [(c["case_no"], c["sla_seconds_left"], c["sla_breached"]) for c in r.json()]

        assert await queue() == [(first["case_no"], 47 * 3600, False), (second["case_no"], 48 * 3600, False)]
        r = await n.client.get("/api/v1/cases", params={**query, "limit": 1, "offset": 1}, headers=auth("auditor"))
        assert [c["case_no"] for c in r.json()] == [second["case_no"]]
        n.clock.advance(timedelta(hours=47, seconds=30))  # past the first's SLA, before the escalation job ran
        assert await queue() == [(first["case_no"], -30, True), (second["case_no"], 3600 - 30, False)]
        h = auth("purchaser", sub="buyer")
        r = await n.client.post(f"/api/v1/cases/{second['case_no']}/resolve", json={"resolution": "ok"}, headers=h)
        assert r.status_code == 200
        assert await queue() == [(first["case_no"], -30, True)]
        detail = (await n.client.get(f"/api/v1/cases/{second['case_no']}", headers=auth("auditor"))).json()
        assert (detail["sla_seconds_left"], detail["sla_breached"]) == (None, False)

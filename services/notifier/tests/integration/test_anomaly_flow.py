"""A short receipt on the real broker: an exception case, the purchasing role alerted in-app, by email
(received by a real SMTP server) and on a DingTalk robot (a real HTTP server checking the signature);
the same event twice gives one alert and one case."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import func, select

from notifier.db import alerts, cases
from servicekit.testing import Infra, TopicTail, auth

pytestmark = pytest.mark.integration
SECRET = "SEC-dingtalk-test-secret"


def dingtalk_signature_ok(query: dict[str, str]) -> bool:
    ts = query["timestamp"]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()
    # parse_qs already url-decoded the query once; the sign itself must equal base64 of the HMAC.
    return query["sign"] == expected or unquote_plus(query["sign"]) == expected


async def setup_channels(client: Any, http_server: Any) -> None:
    r = await client.put(
        "/api/v1/contacts/role/purchaser", json={"emails": ["buyers@example.com"]}, headers=auth("admin")
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        "/api/v1/channels/webhooks/ops-dingtalk",
        json={"kind": "dingtalk", "url": http_server.url("/robot/send?access_token=tok"), "secret": SECRET},
        headers=auth("admin"),
    )
    assert r.status_code == 200, r.text
    assert "secret" not in r.json() and r.json()["has_secret"] is True


async def test_short_receipt_opens_case_and_alerts_everywhere(
    infra: Infra, notifier_factory: Any, smtp_server: Any, http_server: Any, make: Any
) -> None:
    async with notifier_factory(smtp_port=smtp_server.port) as n:
        await setup_channels(n.client, http_server)
        po = make.po_no()
        async with TopicTail(infra.kafka_bootstrap, "notifier.alerts", "notifier.cases") as tail:
            env = await n.publish(make.anomaly(po))
            await n.processed(env)

            def mine(rs: Any) -> list[dict[str, Any]]:
                # the topics are shared with other tests and services: keep what is about this PO
                found = [json.loads(r.value) for r in rs]
                return [e for e in found if e["payload"].get("subject_id") == po]

            records = mine(
                await tail.wait_for(lambda rs: {e["type"] for e in mine(rs)} >= {"AlertRaised", "ExceptionCaseOpened"})
            )
        raised = next(e for e in records if e["type"] == "AlertRaised")
        assert raised["payload"]["rule_code"] == "po_short_receipt"
        assert (raised["payload"]["subject_type"], raised["payload"]["subject_id"]) == ("purchase_order", po)
        assert {"kind": "role", "address": "purchaser"} in raised["payload"]["recipients"]

        # the case
        r = await n.client.get("/api/v1/cases", params={"case_type": "short_receipt"}, headers=auth("purchaser"))
        [case] = [c for c in r.json() if c["subject_id"] == po]
        assert case["case_no"].startswith("EXC-2026-") and case["state"] == "open"
        assert case["assignee_role"] == "purchaser" and case["supplier_code"] == "SUP-1"
        detail = (await n.client.get(f"/api/v1/cases/{case['case_no']}", headers=auth("auditor"))).json()
        assert {"doc_type": "purchase_order", "doc_id": po} in detail["links"]
        assert any(link["doc_type"] == "goods_receipt" for link in detail["links"])

        # in-app, per role, read state per user
        headers = auth("purchaser", sub="wang.fang")
        assert (await n.client.get("/api/v1/inbox/unread-count", headers=headers)).json() == {"unread": 1}
        [item] = (await n.client.get("/api/v1/inbox", headers=headers)).json()
        assert po in item["title_zh"] and po in item["title_en"] and item["case_no"] == case["case_no"]
        assert (await n.client.get("/api/v1/inbox/unread-count", headers=auth("sales"))).json() == {"unread": 0}
        assert (await n.client.post(f"/api/v1/inbox/{item['id']}/read", headers=headers)).status_code == 204
        assert (await n.client.get("/api/v1/inbox/unread-count", headers=headers)).json() == {"unread": 0}
        other = auth("purchaser", sub="li.lei")
        assert (await n.client.get("/api/v1/inbox/unread-count", headers=other)).json() == {"unread": 1}
        assert (await n.client.post(f"/api/v1/inbox/{item['id']}/read", headers=auth("sales"))).status_code == 404

        # email and DingTalk, delivered by the worker
        assert await n.deliver() == 2
        assert len(smtp_server.mails) == 1
        mail = smtp_server.mails[0]
        assert mail.rcpt_tos == ["buyers@example.com"]
        parsed = message_from_bytes(mail.content)
        assert po in str(make_header(decode_header(parsed["Subject"])))
        assert "到货短少" in parsed.get_payload(decode=True).decode()
        [hit] = http_server.hits
        assert hit.path == "/robot/send" and hit.query["access_token"] == "tok"
        assert dingtalk_signature_ok(hit.query)
        body = hit.json()
        assert body["msgtype"] == "markdown" and po in body["markdown"]["text"]
        alert = (await n.client.get(f"/api/v1/alerts/{raised['payload']['alert_id']}", headers=auth("admin"))).json()
        assert alert["delivery_status"] == "delivered"
        assert [d["attempts"] for d in alert["deliveries"]] == [1, 1]
        assert await n.deliver() == 0


async def test_same_event_twice_gives_one_alert_and_one_case(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        po = make.po_no()
        first = make.anomaly(po, "over_receipt")
        env = await n.publish(first)
        again = await n.publish(first, envelope=env)  # redelivered: the same envelope
        # the producer raised the same anomaly again (a new event id): still the same open condition
        third = await n.publish(make.anomaly(po, "over_receipt"))
        await n.processed(env, third)
        assert again.event_id == env.event_id
        assert await n.scalar(select(func.count()).select_from(alerts).where(alerts.c.subject_id == po)) == 1
        assert await n.scalar(select(func.count()).select_from(cases).where(cases.c.subject_id == po)) == 1

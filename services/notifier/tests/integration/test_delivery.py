"""Delivery on real servers: retries with exponential backoff and every attempt logged, a failed delivery
visible through the API, and each webhook flavour's payload shape and signature checked by the server."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.inventory import LowStockDetected
from servicekit.testing import auth

pytestmark = pytest.mark.integration


def low_stock(sku: str, available: str = "2", at: Any = None) -> LowStockDetected:
    from datetime import UTC, datetime

    return LowStockDetected(
        sku=sku,
        warehouse_code="WH1",
        on_hand=Decimal(available),
        available=Decimal(available),
        reorder_point=Decimal("10"),
        reorder_qty=Decimal("50"),
        detected_at=at or datetime(2026, 3, 1, tzinfo=UTC),
    )


async def add_rule(
    client: Any,
    code: str,
    webhooks: list[str],
    channels: list[str] | None = None,
    recipients: list[dict[str, str]] | None = None,
) -> None:
    rule = {
        "code": code,
        "kind": "event",
        "event_type": "LowStockDetected",
        "severity": "critical",
        "conditions": [
            {"path": "available", "op": "lt", "value": "5"},
            {"path": "sku", "op": "contains", "value": code.upper()[:6]},
        ],
        "recipients": recipients or [],
        "channels": channels or ["webhook"],
        "webhooks": webhooks,
        "template_key": "low_stock",
    }
    r = await client.post("/api/v1/rules", json=rule, headers=auth("admin"))
    assert r.status_code == 201, r.text


async def put_hook(client: Any, name: str, kind: str, url: str, secret: str | None = None) -> None:
    body = {"kind": kind, "url": url, **({"secret": secret} if secret else {})}
    r = await client.put(f"/api/v1/channels/webhooks/{name}", json=body, headers=auth("admin"))
    assert r.status_code == 200, r.text


async def test_webhook_failing_twice_then_succeeding_is_delivered_on_the_third_attempt(
    notifier_factory: Any, http_server: Any
) -> None:
    async with notifier_factory(delivery_max_attempts=3) as n:
        await put_hook(n.client, "ok-third", "generic", http_server.url("/ok"), secret="s3")
        await put_hook(n.client, "never", "slack", "http://127.0.0.1:9/refused")  # nothing listens on port 9
        await add_rule(n.client, "retry_rule", ["ok-third", "never"])
        http_server.script = [500, 503]
        env = await n.publish(low_stock("RETRY_-1"))
        await n.processed(env)

        assert await n.deliver() == 2  # attempt 1 of both: 500 and connection refused
        assert await n.deliver() == 0  # nothing due: backing off 30 s
        n.clock.advance(timedelta(seconds=29))
        assert await n.deliver() == 0
        n.clock.advance(timedelta(seconds=1))
        assert await n.deliver() == 2  # attempt 2: 503, refused
        n.clock.advance(timedelta(seconds=59))
        assert await n.deliver() == 0  # the second backoff is 60 s
        n.clock.advance(timedelta(seconds=1))
        assert await n.deliver() == 2  # attempt 3: delivered; the other one is out of attempts
        n.clock.advance(timedelta(hours=1))
        assert await n.deliver() == 0

        assert len(http_server.hits) == 3
        [alert] = (
            await n.client.get("/api/v1/alerts", params={"rule_code": "retry_rule"}, headers=auth("admin"))
        ).json()
        detail = (await n.client.get(f"/api/v1/alerts/{alert['alert_id']}", headers=auth("finance"))).json()
        assert detail["delivery_status"] == "failed"
        by_target = {d["target"]: d for d in detail["deliveries"]}
        ok = by_target["ok-third"]
        assert (ok["status"], ok["attempts"]) == ("delivered", 3)
        assert [a["ok"] for a in ok["attempt_log"]] == [False, False, True]
        assert "500" in ok["attempt_log"][0]["detail"] and "503" in ok["attempt_log"][1]["detail"]
        never = by_target["never"]
        assert (never["status"], never["attempts"]) == ("failed", 3)
        assert [a["ok"] for a in never["attempt_log"]] == [False, False, False]

        failed = (await n.client.get("/api/v1/deliveries", params={"status": "failed"}, headers=auth("admin"))).json()
        assert [d["id"] for d in failed] == [never["id"]]
        r = await n.client.post(f"/api/v1/deliveries/{never['id']}/retry", headers=auth("admin"))
        assert r.status_code == 200
        assert (await n.client.post(f"/api/v1/deliveries/{ok['id']}/retry", headers=auth("admin"))).status_code == 409


async def test_each_webhook_flavour_and_sms_reach_a_real_server_signed(notifier_factory: Any, http_server: Any) -> None:
    async with notifier_factory(
        sms_url=http_server.url("/sms"),
        sms_body_template={"mobile": "{phone}", "content": "{text}", "template_id": "TPL-1"},
        sms_headers={"X-Api-Key": "k1"},
    ) as n:
        await put_hook(n.client, "wecom", "wecom", http_server.url("/wecom?key=k"))
        await put_hook(n.client, "feishu", "feishu", http_server.url("/feishu"), secret="fs")
        await put_hook(n.client, "slack", "slack", http_server.url("/slack"))
        await put_hook(n.client, "generic", "generic", http_server.url("/generic"), secret="gs")
        r = await n.client.put(
            "/api/v1/contacts/role/warehouse", json={"phones": ["+8613800000000"]}, headers=auth("admin")
        )
        assert r.status_code == 200, r.text
        await add_rule(
            n.client,
            "flavours",
            ["wecom", "feishu", "slack", "generic"],
            channels=["webhook", "sms"],
            recipients=[{"kind": "role", "address": "warehouse"}],
        )
        env = await n.publish(low_stock("FLAVOU-1"))
        await n.processed(env)
        assert await n.deliver() == 5
        hits = {h.path: h for h in http_server.hits}
        assert set(hits) == {"/wecom", "/feishu", "/slack", "/generic", "/sms"}

        wecom = hits["/wecom"].json()
        assert wecom["msgtype"] == "markdown" and "FLAVOU-1" in wecom["markdown"]["content"]

        feishu = hits["/feishu"].json()
        digest = hmac.new(f"{feishu['timestamp']}\nfs".encode(), b"", hashlib.sha256).digest()
        assert feishu["sign"] == base64.b64encode(digest).decode()
        assert feishu["msg_type"] == "text" and "FLAVOU-1" in feishu["content"]["text"]

        assert "FLAVOU-1" in hits["/slack"].json()["text"]

        generic = hits["/generic"]
        ts = generic.headers["x-timestamp"]
        expected = hmac.new(b"gs", ts.encode() + b"." + generic.body, hashlib.sha256).hexdigest()
        assert generic.headers["x-signature"] == f"sha256={expected}"
        assert generic.json()["severity"] == "critical" and generic.json()["subject_id"] == "FLAVOU-1@WH1"

        sms = hits["/sms"]
        assert sms.headers["x-api-key"] == "k1"
        assert sms.json()["mobile"] == "+8613800000000" and sms.json()["template_id"] == "TPL-1"
        assert "FLAVOU-1" in sms.json()["content"]

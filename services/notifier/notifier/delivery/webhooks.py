"""Robot and incoming-webhook requests, shaped and signed as each platform expects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from notifier.config import WebhookEndpoint
from notifier.delivery.content import AlertContent
from notifier.domain.signing import dingtalk_sign, feishu_sign, generic_sign


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    headers: dict[str, str]
    body: bytes


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def build_request(endpoint: WebhookEndpoint, content: AlertContent, now: datetime) -> WebhookRequest:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    url, secret = endpoint.url, endpoint.secret
    if endpoint.kind == "dingtalk":
        body = _json({"msgtype": "markdown", "markdown": {"title": content.title_zh, "text": content.markdown()}})
        if secret:
            ts = int(now.timestamp() * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    elif endpoint.kind == "wecom":
        body = _json({"msgtype": "markdown", "markdown": {"content": content.markdown()}})
    elif endpoint.kind == "feishu":
        data: dict[str, Any] = {"msg_type": "text", "content": {"text": content.text}}
        if secret:
            ts = int(now.timestamp())
            data = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **data}
        body = _json(data)
    elif endpoint.kind == "slack":
        body = _json({"text": f"*{content.title}*\n{content.body_zh}\n{content.body_en}"})
    else:
        body = _json(
            {
                "alert_id": content.alert_id,
                "rule_code": content.rule_code,
                "severity": content.severity,
                "subject_type": content.subject_type,
                "subject_id": content.subject_id,
                "title": {"zh": content.title_zh, "en": content.title_en},
                "message": {"zh": content.body_zh, "en": content.body_en},
                "case_no": content.case_no,
                "raised_at": content.raised_at.isoformat(),
            }
        )
        if secret:
            ts = int(now.timestamp())
            headers |= {"X-Timestamp": str(ts), "X-Signature": generic_sign(secret, ts, body)}
    return WebhookRequest(url, headers, body)


def _platform_error(kind: str, response: httpx.Response) -> str | None:
    """Robots answer HTTP 200 with an error code in the body when they refuse a message."""
    if kind not in ("dingtalk", "wecom", "feishu"):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if code in (0, None):
        return None
    return f"platform error {code}: {data.get('errmsg') or data.get('msg') or data}"


async def post(client: httpx.AsyncClient, endpoint: WebhookEndpoint, content: AlertContent, now: datetime) -> str:
    request = build_request(endpoint, content, now)
    response = await client.post(request.url, content=request.body, headers=request.headers)
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    error = _platform_error(endpoint.kind, response)
    if error:
        raise RuntimeError(error)
    return f"HTTP {response.status_code}"

"""SMS through a provider's HTTP API: the body is the configured JSON template, filled in."""

from __future__ import annotations

from typing import Any

import httpx

from notifier.config import NotifierSettings
from notifier.delivery.content import AlertContent


def fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


async def send_sms(client: httpx.AsyncClient, settings: NotifierSettings, phone: str, content: AlertContent) -> str:
    if not settings.sms_url:
        raise RuntimeError("no SMS provider configured (NOTIFIER_SMS_URL)")
    values = {
        "phone": phone,
        "text": f"{content.title_zh}：{content.body_zh}"[:300],
        "title": content.title_zh,
        "severity": content.severity,
        "alert_id": content.alert_id,
    }
    response = await client.post(
        settings.sms_url, json=fill(settings.sms_body_template, values), headers=settings.sms_headers
    )
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return f"HTTP {response.status_code}"

"""Email over SMTP (optionally STARTTLS or implicit TLS, optionally authenticated)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from notifier.config import NotifierSettings
from notifier.delivery.content import AlertContent


def build_message(settings: NotifierSettings, to: str, content: AlertContent) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = f"[{content.severity}] {content.title}"
    message["Message-ID"] = make_msgid(idstring=content.alert_id.replace("-", ""))
    message["X-Alert-Id"] = content.alert_id
    message.set_content(content.text)
    return message


async def send_email(settings: NotifierSettings, to: str, content: AlertContent) -> str:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    errors, response = await aiosmtplib.send(
        build_message(settings, to, content),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        start_tls=settings.smtp_starttls,
        use_tls=settings.smtp_ssl,
        timeout=settings.smtp_timeout_seconds,
    )
    if errors:
        raise RuntimeError(f"recipients refused: {errors}")
    return f"smtp {response}"

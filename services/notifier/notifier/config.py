"""Notifier settings (env prefix NOTIFIER_): SMTP, webhook endpoints, SMS provider, delivery and scheduling."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import OffPathSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit

WebhookKind = Literal["dingtalk", "wecom", "feishu", "slack", "generic"]


class WebhookEndpoint(BaseModel):
    """A robot / incoming webhook. `secret` signs DingTalk, Feishu and generic requests."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: WebhookKind
    url: str = Field(min_length=1, max_length=1000)
    secret: str | None = Field(default=None, max_length=500)
    enabled: bool = True
    min_severity: Literal["info", "warning", "critical"] = "info"


class NotifierSettings(OffPathSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    service_name: str = "notifier"

    # Email over SMTP.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_from: str = "notifier@localhost"
    # The public tracking page (the gateway's /track/<order_no>?token=…) linked in the customer's messages.
    tracking_base_url: str = "http://localhost:8000"
    smtp_timeout_seconds: float = 10.0

    # Webhook endpoints from the environment (JSON list); more can be added through the API.
    webhooks: list[WebhookEndpoint] = Field(default_factory=list)
    webhook_timeout_seconds: float = 10.0

    # SMS through a provider's HTTP API: a JSON body template whose string leaves may use
    # {phone} {text} {title} {severity} {alert_id}; `sms_headers` are sent as they are (API key ...).
    sms_url: str | None = None
    sms_body_template: dict[str, Any] = Field(default_factory=lambda: {"to": "{phone}", "text": "{text}"})
    sms_headers: dict[str, str] = Field(default_factory=dict)

    # Delivery: attempts, exponential backoff (base × 2^(n-1), capped), and a lease so that a delivery
    # claimed by a replica that died is picked up again.
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_backoff_seconds: float = Field(default=30.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    delivery_lease_seconds: float = Field(default=120.0, gt=0)
    delivery_batch_size: int = Field(default=50, ge=1)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)

    # Exception cases: the manager of each owner role, who may work its cases besides its holders.
    case_managers: dict[str, str] = Field(
        default_factory=lambda: {
            "purchaser": "purchasing_manager",
            "warehouse": "purchasing_manager",
            "sales": "sales_manager",
            "finance": "finance_manager",
        }
    )

    # Time rules and case escalation.
    scheduler_seconds: float = Field(default=30.0, gt=0)
    start_scheduler: bool = True
    start_delivery_worker: bool = True
    # Dates (expected, due) count from midnight in this zone.
    business_timezone: str = "Asia/Shanghai"


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
NotifierRuntime = Runtime[NotifierSettings]
RuntimeDep = RuntimeOf[NotifierSettings]
# The unit of work of every notifier use case (servicekit.unit).
NotifierUnit = Unit[NotifierSettings]

"""The gateway's settings (env prefix GATEWAY_); nothing else in the gateway reads os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime

REPO = Path(__file__).resolve().parents[3]


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    # Tokens: iss and aud of the access tokens the gateway signs (and verifies for its own API).
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "order-tracking"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # A configured RSA private key (PEM) instead of the one generated on first start and kept in the database.
    signing_key_pem: SecretStr | None = None
    # How often a replica re-reads the signing keys (another replica may have rotated them).
    keys_reload_seconds: float = Field(default=60, gt=0)
    # Browser sessions: idle and absolute lifetimes; the session refreshes its access token this early.
    session_idle_seconds: int = Field(default=8 * 3600, ge=60)
    session_max_seconds: int = Field(default=24 * 3600, ge=60)
    session_refresh_margin_seconds: int = Field(default=60, ge=0)
    # "secure" cookies: None = whenever the request came over https (X-Forwarded-Proto counts only from
    # trusted proxies, see forwarded_allow_ips of uvicorn); True/False to force.
    cookie_secure: bool | None = None
    # Allowed Origins for unsafe requests besides the gateway's own (e.g. the console's dev server).
    allowed_origins: list[str] = Field(default_factory=list)
    # Login lockout: this many failures within the window lock the account for `lockout_seconds`.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_window_seconds: int = Field(default=15 * 60, ge=1)
    lockout_seconds: int = Field(default=15 * 60, ge=1)
    password_min_length: int = Field(default=10, ge=8)
    # The upstream services (the proxy's targets); analytics only when configured.
    purchasing_url: str = "http://127.0.0.1:8001"
    sales_url: str = "http://127.0.0.1:8002"
    inventory_url: str = "http://127.0.0.1:8003"
    finance_url: str = "http://127.0.0.1:8004"
    notifier_url: str = "http://127.0.0.1:8005"
    analytics_url: str | None = None
    upstream_timeout_seconds: float = Field(default=30, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=5, gt=0)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Live events (SSE).
    events_enabled: bool = True
    events_ring_size: int = Field(default=10000, ge=10)
    events_client_buffer: int = Field(default=1000, ge=1)
    events_heartbeat_seconds: float = Field(default=15, gt=0)
    events_max_clients: int = Field(default=5000, ge=1)
    # Public tracking: requests per client address per minute.
    tracking_rate_per_minute: int = Field(default=30, ge=1)
    # The console's static build.
    web_dist: Path = REPO / "web" / "dist"
    # The first administrator `admin`, created with this password when the database has no user at all.
    bootstrap_admin_password: SecretStr | None = None
    # The gateway publishes no events: no outbox relay.
    start_relay: bool = False

    def upstreams(self) -> dict[str, str]:
        targets = {
            "purchasing": self.purchasing_url,
            "sales": self.sales_url,
            "inventory": self.inventory_url,
            "finance": self.finance_url,
            "notifier": self.notifier_url,
        }
        if self.analytics_url:
            targets["analytics"] = self.analytics_url
        return {name: url.rstrip("/") for name, url in targets.items()}


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
GatewayRuntime = Runtime[GatewaySettings]
RuntimeDep = RuntimeOf[GatewaySettings]

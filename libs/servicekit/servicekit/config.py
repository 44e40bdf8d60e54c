"""Settings shared by every service. Each service subclasses `ServiceSettings` with its own env prefix
(`SALES_`, `INVENTORY_`, ...); nothing else in a service reads `os.environ`."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5433/postgres"
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Bearer tokens are verified through a JWKS (`<P>_JWT_JWKS_URL`: the gateway's, or an OpenID Connect
    # provider's) with the issuer and audience checked; see docs/security.md. Only without a JWKS URL, and only
    # when a secret is configured, HS256 tokens signed with the shared secret are accepted (development, tests).
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_jwks_algorithms: list[str] = Field(default_factory=lambda: ["RS256"])
    jwt_jwks_cache_seconds: float = Field(default=300, gt=0)
    jwt_roles_claim: str = "roles"  # a dotted path for providers that nest them (realm_access.roles)
    jwt_leeway_seconds: int = Field(default=30, ge=0)
    jwt_secret: SecretStr | None = None
    jwt_algorithm: str = "HS256"
    # Consumer group; replicas of one service share it so partitions spread over them.
    consumer_group: str | None = None
    db_pool_size: int = Field(default=20, ge=1)
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    consumer_max_records: int = Field(default=200, ge=1)
    # A fetch returns once this many bytes are there or after this wait: a short wait gathers more records per
    # fetch (fewer requests and transactions under load) for a few milliseconds of latency per hop.
    consumer_fetch_min_bytes: int = Field(default=65536, ge=1)
    consumer_fetch_max_wait_ms: int = Field(default=25, ge=0)
    # ... and up to this long while the machine's CPUs are contended (polling.FetchWindow); at most the wait
    # above: always that wait.
    consumer_fetch_max_wait_busy_ms: int = Field(default=100, ge=0)
    # How long one poll of the consumer waits for fetched records (it returns as soon as there are some, and an
    # empty poll is followed by the next at once; see polling.poller).
    consumer_poll_timeout_ms: int = Field(default=500, ge=1)
    # Processed offsets are committed this often (0: after every batch). A crash re-reads at most this much,
    # which the inbox makes harmless; see servicekit.offsets. An offset commit costs about what a fetch costs
    # (≈ 0.6 ms of the client's CPU and ≈ 0.75 ms of the broker's, measured): once a second rather than five
    # times spares ≈ 1.3 % of the two cores under load.
    consumer_commit_interval_ms: int = Field(default=1000, ge=0)
    # Attempts for a handler error before the message is dead-lettered.
    handler_max_attempts: int = Field(default=3, ge=1)
    # Allocations between young garbage collections, set once the service has started (0: Python's default,
    # 700); see servicekit.heap.
    gc_threshold: int = Field(default=20000, ge=0)
    # Bulk imports (servicekit.tabular): the largest file accepted and the most data rows in one file.
    import_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=200_000, ge=1)
    run_migrations: bool = True
    start_consumers: bool = True
    start_relay: bool = True
    log_level: str = "INFO"
    # Traces go to this OTLP/HTTP collector (e.g. http://otel-collector:4318); none: tracing off
    # (servicekit.tracing).
    otlp_endpoint: str | None = None

    @model_validator(mode="after")
    def _token_verification(self) -> ServiceSettings:
        if self.jwt_jwks_url:
            if not self.jwt_issuer or not self.jwt_audience:
                raise ValueError("jwt_issuer and jwt_audience are required with jwt_jwks_url")
            if not self.jwt_jwks_algorithms or any(a.upper().startswith("HS") or a.lower() == "none"
                                                   for a in self.jwt_jwks_algorithms):  # fmt: skip
                raise ValueError("jwt_jwks_algorithms must be asymmetric algorithms (RS256, ES256, ...)")
        if not self.jwt_algorithm.upper().startswith("HS"):
            raise ValueError("jwt_algorithm is the shared-secret algorithm (HS256); asymmetric keys come by JWKS")
        return self

    @property
    def group_id(self) -> str:
        return self.consumer_group or self.service_name

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL in the form asyncpg itself takes (no SQLAlchemy driver suffix)."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OffPathSettings(ServiceSettings):
    """A service whose consumers are not on the order saga's path (notifier, purchasing): their fetches wait the
    whole of a longer window, whatever arrives meanwhile. Fewer, bigger fetches cost less CPU per message (a fetch
    costs ≈ 1.5 ms of client and broker CPU whatever it carries; with a 64 KiB minimum the notifier, which reads
    every topic, fetched 15 times a second under load). Back to back, the notifier's CPU per order -18 % and
    the broker's -9 % with the 1 MiB minimum; its alerts come up to 250 ms after their events."""

    consumer_fetch_max_wait_ms: int = 250
    consumer_fetch_min_bytes: int = 1 << 20

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit


class SalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SALES_", extra="ignore")

    service_name: str = "sales"
    # Its fetch window stays short when the CPUs are contended (polling.FetchWindow): its batches are big already
    # (its event loop also serves the HTTP placements), and back to back a longer one slowed the closed loop.
    consumer_fetch_max_wait_busy_ms: int = 25
    # A saga step with no reply within this many seconds is re-sent, up to `saga_max_attempts` sends in all;
    # then the saga is compensated and the order rejected (`timeout`).
    saga_step_timeout_seconds: float = Field(default=30, gt=0)
    saga_max_attempts: int = Field(default=3, ge=1)
    saga_tick_seconds: float = Field(default=5, gt=0)
    # How long an order may wait for a human approval before the saga gives up on it.
    approval_timeout_seconds: float = Field(default=3 * 24 * 3600, gt=0)
    # Then the level is reminded (its role alerted again), and after as long again escalated to the next role of
    # the escalation chain (role → next role), which then has as long again; past the chain's end: rejected.
    approval_escalation_seconds: float = Field(default=24 * 3600, gt=0)
    approval_escalation_roles: dict[str, str] = Field(default_factory=lambda: {"sales_manager": "admin"})


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
SalesRuntime = Runtime[SalesSettings]
RuntimeDep = RuntimeOf[SalesSettings]
# The unit of work of every sales use case (servicekit.unit).
SalesUnit = Unit[SalesSettings]

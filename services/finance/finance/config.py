from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit


class FinanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FINANCE_", extra="ignore")

    service_name: str = "finance"
    # Dunning (催收) steps in days from the due date: negative = a reminder before it; each step once per invoice.
    dunning_offsets_days: list[int] = Field(default_factory=lambda: [-3, 1, 7, 30])
    dunning_every_seconds: float = 300.0


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
FinanceRuntime = Runtime[FinanceSettings]
RuntimeDep = RuntimeOf[FinanceSettings]
# The unit of work of every finance use case (servicekit.unit).
FinanceUnit = Unit[FinanceSettings]

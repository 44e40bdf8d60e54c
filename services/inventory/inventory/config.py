from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: str = "inventory"


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
InventoryRuntime = Runtime[InventorySettings]
RuntimeDep = RuntimeOf[InventorySettings]
# The unit of work of every inventory use case (servicekit.unit).
InventoryUnit = Unit[InventorySettings]

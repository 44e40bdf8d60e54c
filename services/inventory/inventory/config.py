from pydantic_settings import SettingsConfigDict

from servicekit.config import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: str = "inventory"

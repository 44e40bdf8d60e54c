from pydantic_settings import SettingsConfigDict

from servicekit.config import ServiceSettings


class PurchasingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PURCHASING_", extra="ignore")

    service_name: str = "purchasing"

from pydantic_settings import SettingsConfigDict

from servicekit.config import ServiceSettings


class SalesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SALES_", extra="ignore")

    service_name: str = "sales"

from pydantic_settings import SettingsConfigDict

from servicekit.config import ServiceSettings


class FinanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FINANCE_", extra="ignore")

    service_name: str = "finance"

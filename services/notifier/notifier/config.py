from pydantic_settings import SettingsConfigDict

from servicekit.config import ServiceSettings


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    service_name: str = "notifier"

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.config import OffPathSettings


class PurchasingSettings(OffPathSettings):
    model_config = SettingsConfigDict(env_prefix="PURCHASING_", extra="ignore")

    service_name: str = "purchasing"
    # Receipt/price tolerance when neither the supplier nor the product category sets one.
    default_tolerance_pct: Decimal = Field(default=Decimal("5"), ge=0, le=100)
    # Where purchase orders deliver when the requisition names no warehouse.
    default_warehouse: str = "MAIN"
    overdue_scan_seconds: float = Field(default=60.0, gt=0)

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.config import OffPathSettings


class PurchasingSettings(OffPathSettings):
    model_config = SettingsConfigDict(env_prefix="PURCHASING_", extra="ignore")

    service_name: str = "purchasing"
    # Receipt/price tolerance when neither the supplier nor the product category sets one.
    default_tolerance_pct: Decimal = Field(default=Decimal("5"), ge=0, le=100)
    # Supplier invoice price tolerance when neither the supplier nor the category sets one: 0, any price difference
    # holds the bill (finance), raises the price anomaly and opens the exception case.
    default_price_tolerance_pct: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    # A requisition's purchase orders together above its approved amount by more than this need approval again.
    reapproval_margin_pct: Decimal = Field(default=Decimal("10"), ge=0, le=1000)
    # Where purchase orders deliver when the requisition names no warehouse (the company's main warehouse, as
    # inventory knows it; `make up` sets the demo's WH-SH). None: every requisition must name its warehouse.
    default_warehouse: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    )
    overdue_scan_seconds: float = Field(default=60.0, gt=0)

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from contracts.purchasing import DEFAULT_TOLERANCE_PCT
from servicekit.app import RuntimeOf
from servicekit.config import OffPathSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit


class PurchasingSettings(OffPathSettings):
    model_config = SettingsConfigDict(env_prefix="PURCHASING_", extra="ignore")

    service_name: str = "purchasing"
    # Receipt/price tolerance when neither the supplier nor the product category sets one.
    default_tolerance_pct: Decimal = Field(default=DEFAULT_TOLERANCE_PCT, ge=0, le=100)
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
    # A pending approval level past this is reminded (its role alerted again), after `approval_escalation_seconds`
    # more escalated to the next role of the escalation chain (role → next role), and so on along the chain;
    # past its end it stays pending (the notifier keeps reminding).
    approval_timeout_seconds: float = Field(default=2 * 24 * 3600, gt=0)
    approval_escalation_seconds: float = Field(default=24 * 3600, gt=0)
    approval_escalation_roles: dict[str, str] = Field(
        default_factory=lambda: {"purchasing_manager": "admin", "finance_manager": "admin"}
    )


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
PurchasingRuntime = Runtime[PurchasingSettings]
RuntimeDep = RuntimeOf[PurchasingSettings]
# The unit of work of every purchasing use case (servicekit.unit).
PurchasingUnit = Unit[PurchasingSettings]

"""Analytics settings (env prefix ANALYTICS_): the company's time zone, report thresholds, step deadlines, the
supplier score's weights and how often scores are published."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.app import RuntimeOf
from servicekit.config import OffPathSettings
from servicekit.runtime import Runtime
from servicekit.unit import Unit


class AnalyticsSettings(OffPathSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    database_url: str = "postgresql+asyncpg://analytics:analytics@127.0.0.1:5433/analytics"
    # Periods (days, months) are the company's: an event at 23:30 UTC on 31 Jan is 1 Feb in Shanghai.
    company_timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    # Purchase price changes month over month above this are flagged (percent).
    price_change_threshold_pct: Decimal = Field(default=Decimal("10"), ge=0)
    # Slow-moving (滞销): on hand and no sale for this many days.
    slow_moving_days: int = Field(default=90, ge=1)
    # Order cycle: each step's deadline after the previous one, in hours.
    deadline_confirm_hours: float = Field(default=1, gt=0)
    deadline_ship_hours: float = Field(default=24, gt=0)
    deadline_deliver_hours: float = Field(default=72, gt=0)
    deadline_pay_hours: float = Field(default=30 * 24, gt=0)
    # Supplier score: weights of its parts (normalised), the window it looks back over.
    score_weight_on_time: Decimal = Decimal("0.40")
    score_weight_fill: Decimal = Decimal("0.25")
    score_weight_quality: Decimal = Decimal("0.20")
    score_weight_price: Decimal = Decimal("0.15")
    score_window_days: int = Field(default=365, ge=1)
    score_publish_seconds: float = Field(default=300, gt=0)
    start_score_publisher: bool = True
    snapshot_refresh_seconds: float = Field(default=5, gt=0)
    start_snapshot_refresher: bool = True

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.company_timezone)

    @property
    def deadlines(self) -> dict[str, float]:
        """Hours each order step may take after the previous one."""
        return {
            "confirmed": self.deadline_confirm_hours,
            "shipped": self.deadline_ship_hours,
            "delivered": self.deadline_deliver_hours,
            "paid": self.deadline_pay_hours,
        }


# The service's runtime, typed by its settings; `RuntimeDep` is it in an endpoint.
AnalyticsRuntime = Runtime[AnalyticsSettings]
RuntimeDep = RuntimeOf[AnalyticsSettings]
# A use case's unit of work (servicekit.unit): its session, settings, clock reading and what it publishes.
AnalyticsUnit = Unit[AnalyticsSettings]

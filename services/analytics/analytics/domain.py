"""Report rules with no I/O: business days in the company's time zone, periods, rounding, the supplier score and
standing, the customer credit grade, price-change flags, turnover days."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")


class PeriodError(ValueError):
    """A report period that cannot be read."""


def cents(value: Decimal | int | float | None) -> Decimal:
    if value is None:
        return ZERO.quantize(CENT)
    return (Decimal(str(value)) if isinstance(value, float) else Decimal(value)).quantize(CENT, ROUND_HALF_UP)


def pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """`part` as a percentage of `whole`, 2 places; None when there is no whole."""
    if part is None or whole is None or whole == 0:
        return None
    return cents(Decimal(part) * HUNDRED / Decimal(whole))


def business_day(moment: datetime, tz: ZoneInfo) -> date:
    """The company's calendar day of a UTC moment."""
    return moment.astimezone(tz).date()


@dataclass(frozen=True)
class Period:
    """Inclusive business days [start, end]."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(period: str | None, start: date | None, end: date | None, today: date) -> Period:
    """`period` is `YYYY` or `YYYY-MM`; else `start`..`end` (either defaulting: the last 12 months to today)."""
    if period:
        try:
            if len(period) == 4:
                year = int(period)
                return Period(date(year, 1, 1), date(year, 12, 31))
            year, month = (int(p) for p in period.split("-"))
            return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        except ValueError as exc:
            raise PeriodError("period must be YYYY or YYYY-MM") from exc
    end = end or today
    start = start or (end - timedelta(days=364))
    if start > end:
        raise PeriodError("from must not be after to")
    return Period(start, end)


def price_change_pct(previous: Decimal, current: Decimal) -> Decimal | None:
    if previous == 0:
        return None
    return cents((current - previous) * HUNDRED / previous)


def turnover_days(average_value: Decimal, cogs: Decimal, days: int) -> Decimal | None:
    """Average inventory value ÷ cost of goods sold × days in the period; None without any cost of goods."""
    if cogs <= 0:
        return None
    return cents(average_value / cogs * days)


STANDINGS = ((Decimal("90"), "excellent"), (Decimal("75"), "good"), (Decimal("60"), "poor"))


def standing(score: Decimal) -> str:
    for floor, name in STANDINGS:
        if score >= floor:
            return name
    return "very_poor"


@dataclass(frozen=True)
class ScoreWeights:
    on_time: Decimal
    fill: Decimal
    quality: Decimal
    price: Decimal


def price_component(variance_pct: Decimal | None) -> Decimal:
    """100 when billed at the PO price; 10 points off per percent billed above or below it."""
    if variance_pct is None:
        return HUNDRED
    return max(ZERO, HUNDRED - abs(variance_pct) * 10)


def supplier_score(
    weights: ScoreWeights,
    on_time_pct: Decimal | None,
    fill_pct: Decimal | None,
    rejection_pct: Decimal | None,
    price_variance_pct: Decimal | None,
) -> Decimal | None:
    """The weighted score 0..100 of the parts that were measured (weights renormalised over them)."""
    parts = [
        (weights.on_time, on_time_pct),
        (weights.fill, min(fill_pct, HUNDRED) if fill_pct is not None else None),
        (weights.quality, HUNDRED - rejection_pct if rejection_pct is not None else None),
        (weights.price, price_component(price_variance_pct)),
    ]
    measured = [(w, v) for w, v in parts if v is not None]
    if on_time_pct is None and fill_pct is None:
        return None  # nothing was due: no score
    total = sum((w for w, _ in measured), ZERO)
    return cents(sum((w * v for w, v in measured), ZERO) / total) if total else None


@dataclass(frozen=True)
class CreditFacts:
    invoiced: Decimal
    invoices: int
    paid: Decimal
    avg_days_late: Decimal | None  # amount-weighted, payments only
    outstanding: Decimal
    overdue: Decimal
    voided: Decimal
    voids: int
    cancelled_orders: int


def credit_grade(f: CreditFacts) -> tuple[Decimal, str, list[str]]:
    """An advisory score 0..100, its grade (A best .. D) and the reasons that took points off."""
    score, reasons = HUNDRED, []
    if f.avg_days_late:
        off = min(Decimal("40"), f.avg_days_late * 2)
        score -= off
        reasons.append(f"pays {f.avg_days_late} days late on average (amount-weighted): -{cents(off)}")
    overdue_ratio = f.overdue / f.outstanding if f.outstanding else ZERO
    if overdue_ratio:
        off = overdue_ratio * 40
        score -= off
        reasons.append(f"{cents(overdue_ratio * HUNDRED)} % of what is outstanding is overdue: -{cents(off)}")
    billed = f.invoiced + f.voided
    void_ratio = f.voided / billed if billed else ZERO
    if void_ratio:
        off = void_ratio * 20
        score -= off
        reasons.append(f"{f.voids} invoice(s) voided, {cents(void_ratio * HUNDRED)} % of billing: -{cents(off)}")
    if f.cancelled_orders:
        off = min(Decimal("10"), Decimal(f.cancelled_orders) * 2)
        score -= off
        reasons.append(f"{f.cancelled_orders} order(s) cancelled: -{cents(off)}")
    if f.invoices == 0:
        reasons.append("no invoices in the period: too little history to judge")
    score = cents(max(ZERO, score))
    grade = "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 50 else "D"
    return score, grade, reasons


@dataclass(frozen=True)
class Filters:
    """What every report may be narrowed to; a filter that does not apply to a figure leaves it alone (a
    supplier narrows purchases, a customer sales)."""

    period: Period
    warehouse: str | None = None
    category: str | None = None
    sku: str | None = None
    supplier: str | None = None
    customer: str | None = None

    def params(self) -> dict[str, object]:
        return {
            "start": self.period.start,
            "end": self.period.end,
            "warehouse": self.warehouse,
            "category": self.category,
            "sku": self.sku,
            "supplier": self.supplier,
            "customer": self.customer,
        }


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (as PostgreSQL's percentile_cont) of already sorted values."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)

"""The report rules without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as Dec
from zoneinfo import ZoneInfo

import pytest

from analytics.domain import (
    CreditFacts,
    PeriodError,
    ScoreWeights,
    business_day,
    credit_grade,
    parse_period,
    percentile,
    price_change_pct,
    standing,
    supplier_score,
    turnover_days,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
W = ScoreWeights(Dec("0.40"), Dec("0.25"), Dec("0.20"), Dec("0.15"))


def test_business_day_is_the_company_calendar_day() -> None:
    assert business_day(datetime(2026, 1, 31, 16, 30, tzinfo=UTC), SHANGHAI) == date(2026, 2, 1)
    assert business_day(datetime(2026, 1, 31, 15, 59, tzinfo=UTC), SHANGHAI) == date(2026, 1, 31)


def test_periods() -> None:
    today = date(2026, 4, 10)
    assert parse_period("2026-02", None, None, today).days == 28
    assert parse_period("2024", None, None, today).days == 366
    p = parse_period(None, None, None, today)
    assert (p.start, p.end, p.days) == (date(2025, 4, 11), today, 365)
    with pytest.raises(PeriodError):
        parse_period("2026-13", None, None, today)
    with pytest.raises(PeriodError):
        parse_period(None, date(2026, 3, 2), date(2026, 3, 1), today)


def test_supplier_score_weights_the_measured_parts() -> None:
    # 0.40 × 50 + 0.25 × 93.33 + 0.20 × (100 − 1.43) + 0.15 × (100 − 10 × 5)
    assert supplier_score(W, Dec("50"), Dec("93.33"), Dec("1.43"), Dec("5.00")) == Dec("70.55")
    assert supplier_score(W, Dec("100"), Dec("120"), Dec("0"), None) == Dec("100.00")  # fill capped at 100
    assert supplier_score(W, None, None, None, None) is None
    assert [standing(Dec(s)) for s in ("90", "89.99", "75", "60", "59.99")] == [
        "excellent", "good", "good", "poor", "very_poor",
    ]  # fmt: skip


def test_credit_grade_and_reasons() -> None:
    facts = CreditFacts(
        invoiced=Dec("1243.00"), invoices=2, paid=Dec("678.00"), avg_days_late=Dec("4.00"),
        outstanding=Dec("565.00"), overdue=Dec("565.00"), voided=Dec("0"), voids=0, cancelled_orders=1,
    )  # fmt: skip
    score, grade, reasons = credit_grade(facts)
    assert (score, grade, len(reasons)) == (Dec("50.00"), "C", 3)
    clean = CreditFacts(Dec("100"), 1, Dec("100"), Dec("0"), Dec("0"), Dec("0"), Dec("0"), 0, 0)
    assert credit_grade(clean) == (Dec("100.00"), "A", [])


def test_small_formulas() -> None:
    assert price_change_pct(Dec("10.00"), Dec("12.00")) == Dec("20.00")
    assert price_change_pct(Dec("0"), Dec("12.00")) is None
    assert turnover_days(Dec("921.57"), Dec("214.81"), 31) == Dec("133.00")
    assert turnover_days(Dec("50"), Dec("0"), 31) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)
    assert percentile([], 0.5) is None

"""Pure rules: rounding, credit decision, allocation, three-way match, ageing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.domain import (
    MatchLine,
    OpenItem,
    PricedLine,
    ageing_bucket,
    allocate_explicit,
    allocate_oldest_first,
    decide_credit,
    mismatches,
    totals,
)

D = Decimal


def test_line_amounts_round_half_up_per_line() -> None:
    lines = [
        PricedLine(1, "A", D("3"), D("0.335"), D("0"), D("0.13")),
        PricedLine(2, "B", D("1"), D("10"), D("0.05"), D("0.13")),
    ]
    t = totals(lines)
    assert (lines[0].net, lines[0].tax) == (D("1.01"), D("0.13"))  # 1.005 -> 1.01
    assert (t.net, t.tax, t.gross) == (D("10.51"), D("1.37"), D("11.88"))


def test_credit_decision_boundary() -> None:
    assert decide_credit(known=True, active=True, credit_limit=D("100"), exposure=D("40"), requested=D("60")).approved
    refused = decide_credit(known=True, active=True, credit_limit=D("100"), exposure=D("40"), requested=D("60.01"))
    assert (refused.approved, refused.reason) == (False, "credit_limit")
    assert (
        decide_credit(known=True, active=False, credit_limit=D("100"), exposure=D("0"), requested=D("1")).reason
        == "customer_inactive"
    )


def test_oldest_due_first_and_leftover() -> None:
    items = [OpenItem("B", date(2026, 2, 1), D("50")), OpenItem("A", date(2026, 1, 1), D("30"))]
    assert allocate_oldest_first(D("60"), items) == ([("A", D("30")), ("B", D("30"))], D("0"))
    assert allocate_oldest_first(D("100"), items) == ([("A", D("30")), ("B", D("50"))], D("20"))


def test_explicit_allocation_refuses_more_than_owed() -> None:
    with pytest.raises(ValueError):
        allocate_explicit(D("10"), [("A", D("11"))], {"A": D("20")})
    with pytest.raises(LookupError):
        allocate_explicit(D("10"), [("X", D("1"))], {"A": D("20")})


def test_three_way_match_tolerance() -> None:
    ok = MatchLine(1, "A", D("100"), D("105"), D("2"), D("2"))
    assert mismatches([ok], D("5")) == (None, [])
    high = MatchLine(1, "A", D("100"), D("105.01"), D("2"), D("2"))
    assert mismatches([high], D("5"))[0] == "price_mismatch"
    short = MatchLine(1, "A", D("100"), D("100"), D("2"), D("3"))
    assert mismatches([short], D("5"))[0] == "quantity_mismatch"


def test_ageing_buckets() -> None:
    due = date(2026, 1, 31)
    assert [ageing_bucket(due, date(2026, m, d)) for m, d in ((1, 31), (2, 1), (3, 3), (4, 2), (5, 2))] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "90+",
    ]

"""The pure inventory rules: allocation, moving average, tolerance, low-stock crossings, state machines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import domain
from inventory.domain import Need


def test_one_warehouse_that_serves_every_line_is_preferred() -> None:
    available = {("A", "W1"): Decimal(5), ("B", "W1"): Decimal(0), ("A", "W2"): Decimal(3), ("B", "W2"): Decimal(1)}
    result = domain.allocate([Need(1, "A", Decimal(2)), Need(2, "B", Decimal(1))], available, ["W1", "W2"])
    assert result.complete and {t.warehouse_code for t in result.takes} == {"W2"}


def test_lines_split_across_warehouses_and_shortfalls_reported() -> None:
    available = {("A", "W1"): Decimal(2), ("A", "W2"): Decimal(1)}
    result = domain.allocate([Need(1, "A", Decimal(2)), Need(2, "A", Decimal(2))], available, ["W1", "W2"])
    assert [(t.line_no, t.warehouse_code, t.qty) for t in result.takes] == [(1, "W1", 2), (2, "W2", 1)]
    assert [(s.line_no, s.missing, s.allocatable) for s in result.shortfalls] == [(2, 1, 1)]


def test_moving_average() -> None:
    assert domain.moving_average(Decimal(10), Decimal(10), Decimal(9), Decimal(8)) == Decimal("9.0526")
    assert domain.moving_average(Decimal(0), Decimal(0), Decimal(3), Decimal("2.5")) == Decimal("2.5000")


def test_tolerance() -> None:
    assert not domain.over_tolerance(Decimal(10), Decimal(0), Decimal("10.5"), Decimal(5))
    assert domain.over_tolerance(Decimal(10), Decimal(6), Decimal(5), Decimal(5))


def test_low_stock_once_per_crossing() -> None:
    assert domain.low_stock(Decimal(4), Decimal(5), False) == domain.LowStockCheck(True, True)
    assert domain.low_stock(Decimal(3), Decimal(5), True) == domain.LowStockCheck(True, False)
    assert domain.low_stock(Decimal(5), Decimal(5), True) == domain.LowStockCheck(False, False)
    assert domain.low_stock(Decimal(0), Decimal(0), False) == domain.LowStockCheck(False, False)


def test_outbound_state_machine() -> None:
    domain.OUTBOUND.check("packed", "shipped")
    with pytest.raises(domain.TransitionError):
        domain.OUTBOUND.check("created", "shipped")
    with pytest.raises(domain.TransitionError):
        domain.OUTBOUND.check("shipped", "cancelled")

"""The bench's efficiency: the median over rounds of the system's rate over the mean of the floors measured just
before and just after it; rounds whose two floors differ by more than 10 % left out while a clean one remains."""

from __future__ import annotations

import pytest

from tools.bench.__main__ import efficiency_of


def test_one_round_is_the_system_over_the_mean_of_its_two_floors() -> None:
    got = efficiency_of([(400.0, 210.0, 440.0)])
    assert got["efficiency"] == pytest.approx(0.5)
    assert got["floor_orders_per_second"] == pytest.approx(420.0)
    assert got["noisy"] is False
    assert got["rounds"] == [
        {"floor_before": 400.0, "system": 210.0, "floor_after": 440.0, "efficiency": pytest.approx(0.5), "noisy": False}
    ]


def test_the_median_round_counts_not_the_mean() -> None:
    # 0.45, 0.55, 0.60: the median is the second round, whatever the outlier does to the mean
    got = efficiency_of([(400.0, 180.0, 400.0), (400.0, 220.0, 400.0), (400.0, 240.0, 400.0)])
    assert got["efficiency"] == pytest.approx(0.55)
    assert got["floor_orders_per_second"] == pytest.approx(400.0)


def test_noisy_rounds_are_left_out_while_a_clean_one_remains() -> None:
    # Round 1's floors differ by 25 %: its 0.80 is not used; the clean rounds give 0.45 and 0.50 -> their mean.
    got = efficiency_of([(300.0, 280.0, 400.0), (400.0, 180.0, 400.0), (400.0, 200.0, 400.0)])
    assert [r["noisy"] for r in got["rounds"]] == [True, False, False]
    assert got["efficiency"] == pytest.approx(0.475)
    assert got["noisy"] is False


def test_a_run_with_most_rounds_noisy_is_marked_noisy_and_uses_them_all_when_none_is_clean() -> None:
    mostly = efficiency_of([(300.0, 200.0, 400.0), (400.0, 200.0, 300.0), (400.0, 200.0, 400.0)])
    assert mostly["noisy"] is True
    assert mostly["efficiency"] == pytest.approx(0.5)  # the clean round alone
    none_clean = efficiency_of([(300.0, 175.0, 400.0), (400.0, 210.0, 300.0), (300.0, 140.0, 400.0)])
    assert none_clean["noisy"] is True
    assert none_clean["efficiency"] == pytest.approx(0.5)  # median of 0.40, 0.50, 0.60

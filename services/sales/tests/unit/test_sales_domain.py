"""The pure order rules: transitions as data, pricing, edit/cancel rules, fulfilment progression."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sales import domain
from sales.domain import Fulfilment, Line

D = Decimal


def test_every_state_is_in_the_table_and_terminal_states_lead_nowhere() -> None:
    assert set(domain.STATUSES) == {
        "pending",
        "pending_approval",
        "reserving",
        "awaiting_credit",
        "confirmed",
        "partially_shipped",
        "shipped",
        "delivered",
        "invoiced",
        "paid",
        "closed",
        "rejected",
        "backordered",
        "cancelled",
    }
    for status in domain.TERMINAL:
        assert domain.TRANSITIONS[status] == frozenset()
    for targets in domain.TRANSITIONS.values():
        assert targets <= set(domain.STATUSES)


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (None, "confirmed"),
        ("pending", "confirmed"),
        ("reserving", "confirmed"),
        ("shipped", "cancelled"),
        ("rejected", "reserving"),
        ("cancelled", "confirmed"),
        ("partially_shipped", "reserving"),
        ("paid", "invoiced"),
    ],
)
def test_illegal_transitions_are_refused(current: str | None, to: str) -> None:
    with pytest.raises(domain.RuleViolationError) as err:
        domain.check_transition(current, to)
    assert err.value.code == "illegal_transition"


def test_prices_round_half_up_to_cents() -> None:
    a = Line(1, "A", D(2), D("100.00"), D("0.1"), D("0.13"))
    b = Line(2, "B", D("1.5"), D("33.33"), D(0), D("0.13"))  # 49.995 → 50.00
    c = Line(3, "C", D(1), D("0.05"), D(0), D("0.1"))  # tax 0.005 → 0.01
    assert (a.net, a.tax, b.net, b.tax, c.tax) == (D("180.00"), D("23.40"), D("50.00"), D("6.50"), D("0.01"))
    totals = domain.totals_of([a, b])
    assert (totals.net, totals.tax, totals.gross) == (D("230.00"), D("29.90"), D("259.90"))


def test_reservation_targets_are_absolute_and_zero_dropped_lines() -> None:
    old = [Line(1, "A", D(2), D(1)), Line(2, "B", D(1), D(1))]
    new = [Line(1, "A", D(5), D(1)), Line(3, "C", D(1), D(1))]
    assert domain.reservation_targets(old, new) == [(1, "A", D(5)), (2, "B", D(0)), (3, "C", D(1))]


def test_edit_and_cancel_rules() -> None:
    domain.check_editable("confirmed", False)
    domain.check_cancellable("backordered", False)
    for check in (domain.check_editable, domain.check_cancellable):
        with pytest.raises(domain.RuleViolationError, match="shipped") as err:
            check("confirmed", True)
        assert err.value.code == "order_already_shipped"
        with pytest.raises(domain.RuleViolationError) as err:
            check("shipped", False)
        assert err.value.code == "order_already_shipped"
    with pytest.raises(domain.RuleViolationError) as err:
        domain.check_editable("reserving", False)
    assert err.value.code == "order_not_editable"
    with pytest.raises(domain.RuleViolationError) as err:
        domain.check_voidable("confirmed", False)
    assert err.value.code == "order_not_shipped"


def facts(**kw: bool) -> Fulfilment:
    base = dict(fully_shipped=False, any_shipped=False, all_delivered=False, all_invoiced=False, all_paid=False)
    return Fulfilment(**{**base, **kw})


def test_fulfilment_progression() -> None:
    assert domain.fulfilment_steps("confirmed", facts(any_shipped=True)) == ["partially_shipped"]
    assert domain.fulfilment_steps("confirmed", facts(any_shipped=True, fully_shipped=True)) == ["shipped"]
    # invoiced before delivery is confirmed: shipped → invoiced directly
    full = facts(any_shipped=True, fully_shipped=True, all_invoiced=True)
    assert domain.fulfilment_steps("partially_shipped", full) == ["shipped", "invoiced"]
    paid = facts(any_shipped=True, fully_shipped=True, all_delivered=True, all_invoiced=True, all_paid=True)
    assert domain.fulfilment_steps("shipped", paid) == ["delivered", "invoiced", "paid", "closed"]
    assert domain.fulfilment_steps("invoiced", facts(any_shipped=True, fully_shipped=True)) == []
    assert domain.fulfilment_steps("reserving", paid) == []


def test_progress_steps_in_order() -> None:
    steps = domain.progress({"placed": None})
    assert [s["label"] for s in steps] == ["下单", "审核", "配货", "出库", "发货", "签收", "结算"]
    assert not any(s["done"] for s in steps)

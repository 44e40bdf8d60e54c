"""Pure purchasing rules: state machines, totals, tolerance, receipt findings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchasing.domain import (
    PO_TRANSITIONS,
    REQUISITION_TRANSITIONS,
    LineProgress,
    PricedLine,
    TransitionError,
    can_cancel_po,
    check_transition,
    receipt_findings,
    shipment_findings,
    status_after_receipt,
    tolerance_for,
    totals,
)

D = Decimal


def test_every_target_is_a_known_state() -> None:
    for table in (PO_TRANSITIONS, REQUISITION_TRANSITIONS):
        assert all(target in table for targets in table.values() for target in targets)


def test_transitions_are_enforced() -> None:
    check_transition(PO_TRANSITIONS, "po", "approved", "sent")
    with pytest.raises(TransitionError):
        check_transition(PO_TRANSITIONS, "po", "draft", "sent")
    with pytest.raises(TransitionError):
        check_transition(REQUISITION_TRANSITIONS, "pr", "rejected", "approved")


def test_cancel_only_before_receipt() -> None:
    assert can_cancel_po("shipped", any_received=False)
    assert not can_cancel_po("shipped", any_received=True)
    assert not can_cancel_po("partially_received", any_received=True)
    assert not can_cancel_po("closed", any_received=False)


def test_totals_round_half_up_per_line() -> None:
    net, tax, gross = totals([PricedLine(D("3"), D("0.335"), D("0.13")), PricedLine(D("1"), D("10"), D("0"))])
    assert (net, tax, gross) == (D("11.01"), D("0.13"), D("11.14"))


def test_tolerance_precedence() -> None:
    assert tolerance_for(D("2"), [D("1")], D("5")) == D("2")
    assert tolerance_for(None, [D("3"), D("1.5")], D("5")) == D("1.5")
    assert tolerance_for(None, [], D("5")) == D("5")


def line(ordered: str, shipped: str = "0", received: str = "0", rejected: str = "0") -> LineProgress:
    return LineProgress(1, "A", D(ordered), D(shipped), D(received), D(rejected))


def test_receipt_findings() -> None:
    types = lambda fs: [f.anomaly_type for f in fs]  # noqa: E731
    # announced 10, 6 arrived (1 rejected): short and a quality rejection
    assert types(receipt_findings([line("10", "10")], [line("10", "10", "5", "1")], D("5"))) == [
        "short_receipt",
        "quality_rejection",
    ]
    # nothing announced: a partial delivery is not an anomaly
    assert receipt_findings([line("10")], [line("10", received="4")], D("5")) == []
    # over the 5 % tolerance once: 106 of 100
    assert types(receipt_findings([line("100", "100")], [line("100", "100", "106")], D("5"))) == ["over_receipt"]
    assert receipt_findings([line("100", "100")], [line("100", "100", "105")], D("5")) == []


def test_status_and_short_shipment() -> None:
    assert status_after_receipt([line("10", received="10"), line("5", received="4")]) == "partially_received"
    assert status_after_receipt([line("10", received="10")]) == "received"
    finding = shipment_findings([line("10", "8")])
    assert finding is not None and finding.lines == ((1, "A", D("10"), D("8")),)
    assert shipment_findings([line("10", "10")]) is None


def test_under_delivery_within_the_tolerance_completes_a_line() -> None:
    assert status_after_receipt([line("100", received="96")], Decimal("5")) == "received"
    assert status_after_receipt([line("100", received="94")], Decimal("5")) == "partially_received"
    assert status_after_receipt([line("100", received="96")]) == "partially_received"  # no tolerance

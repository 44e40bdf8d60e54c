"""Pure sourcing: ranking, date feasibility, min qty, validity, score tie-break, overrides and the split."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from purchasing.sourcing import Need, Quote, choose, propose, split_by_supplier

D = Decimal
TODAY = date(2026, 3, 2)


def quote(
    supplier: str, price: str, lead: int, *, sku: str = "A", min_qty: str = "0", score: str = "50", **kw: object
) -> Quote:
    return Quote(
        quote_id=hash(supplier) % 1000,
        supplier_code=supplier,
        sku=sku,
        unit_price=D(price),
        currency="CNY",
        min_qty=D(min_qty),
        lead_time_days=lead,
        valid_from=kw.get("valid_from", TODAY - timedelta(days=1)),  # type: ignore[arg-type]
        valid_to=kw.get("valid_to"),  # type: ignore[arg-type]
        supplier_score=D(score),
    )


NEED = Need(1, "A", D("100"), TODAY + timedelta(days=10))


def test_cheapest_that_meets_the_date_wins_over_a_cheaper_slow_one() -> None:
    choice = choose(NEED, [quote("SLOW", "8", 11), quote("OK", "10", 10), quote("FAST", "12", 1)], TODAY)
    assert choice.chosen is not None and choice.chosen.quote.supplier_code == "OK"
    assert [o.quote.supplier_code for o in choice.alternatives] == ["FAST", "SLOW"]
    assert not choice.alternatives[-1].meets_needed_by


def test_score_breaks_a_price_tie() -> None:
    choice = choose(NEED, [quote("LOW", "10", 2, score="40"), quote("HIGH", "10", 2, score="90")], TODAY)
    assert choice.chosen is not None and choice.chosen.quote.supplier_code == "HIGH"


def test_min_qty_validity_and_sku_filter_quotes_out() -> None:
    quotes = [
        quote("MOQ", "1", 1, min_qty="500"),
        quote("EXPIRED", "1", 1, valid_to=TODAY - timedelta(days=1)),
        quote("FUTURE", "1", 1, valid_from=TODAY + timedelta(days=1)),
        quote("OTHER", "1", 1, sku="B"),
        quote("GOOD", "9", 1),
    ]
    choice = choose(NEED, quotes, TODAY)
    assert choice.chosen is not None and choice.chosen.quote.supplier_code == "GOOD" and choice.alternatives == ()


def test_nothing_in_time_proposes_the_earliest_flagged() -> None:
    choice = choose(NEED, [quote("LATE", "5", 30), quote("LESS_LATE", "9", 12)], TODAY)
    assert choice.chosen is not None and choice.chosen.quote.supplier_code == "LESS_LATE"
    assert not choice.chosen.meets_needed_by


def test_override_and_split() -> None:
    quotes = [quote("X", "5", 1), quote("Y", "6", 1), quote("X", "3", 1, sku="B"), quote("Y", "4", 1, sku="B")]
    needs = [NEED, Need(2, "B", D("1"), TODAY + timedelta(days=5), override="Y")]
    choices = propose(needs, quotes, TODAY)
    assert choices[1].overridden and choices[1].chosen is not None and choices[1].chosen.quote.unit_price == D("4")
    assert {k: [c.need.line_no for c in v] for k, v in split_by_supplier(choices).items()} == {"X": [1], "Y": [2]}
    unknown = choose(Need(1, "A", D("1"), TODAY, override="NOPE"), quotes, TODAY)
    assert not unknown.overridden and unknown.chosen is not None and unknown.chosen.quote.supplier_code == "X"

"""Sourcing (供应商比价), pure: rank the valid quotes of each requisition line and propose a split by supplier.

A quote is a candidate for a line when it is valid today, its minimum quantity is met, and its supplier is
active. Candidates that deliver in time (today + lead time <= needed-by) come first, cheapest first, then the
better supplier score, then the shorter lead time. When no quote is in time, the earliest arrival is proposed
and flagged (`meets_needed_by` false) so the buyer can decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Quote:
    quote_id: int
    supplier_code: str
    sku: str
    unit_price: Decimal
    currency: str
    min_qty: Decimal
    lead_time_days: int
    valid_from: date
    valid_to: date | None
    tax_rate: Decimal = Decimal("0")
    supplier_score: Decimal | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def arrival(self, today: date) -> date:
        return today + timedelta(days=self.lead_time_days)


@dataclass(frozen=True)
class Need:
    line_no: int
    sku: str
    qty: Decimal
    needed_by: date
    override: str | None = None


@dataclass(frozen=True)
class Option:
    quote: Quote
    meets_needed_by: bool
    expected_date: date


@dataclass(frozen=True)
class LineChoice:
    need: Need
    chosen: Option | None
    alternatives: tuple[Option, ...]
    overridden: bool = False


def _rank_key(option: Option) -> tuple[object, ...]:
    q = option.quote
    score = q.supplier_score if q.supplier_score is not None else Decimal("0")
    if option.meets_needed_by:
        return (0, q.unit_price, -score, q.lead_time_days, q.supplier_code)
    return (1, option.expected_date, q.unit_price, -score, q.supplier_code)


def rank(need: Need, quotes: Iterable[Quote], today: date) -> list[Option]:
    options = [
        Option(q, q.arrival(today) <= need.needed_by, q.arrival(today))
        for q in quotes
        if q.sku == need.sku and q.valid_on(today) and q.min_qty <= need.qty
    ]
    return sorted(options, key=_rank_key)


def choose(need: Need, quotes: Iterable[Quote], today: date) -> LineChoice:
    """The best option for a line, or the buyer's override when it names a supplier with a valid quote."""
    ranked = rank(need, quotes, today)
    if need.override:
        picked = next((o for o in ranked if o.quote.supplier_code == need.override), None)
        if picked is not None:
            return LineChoice(need, picked, tuple(o for o in ranked if o is not picked), overridden=True)
    return LineChoice(need, ranked[0] if ranked else None, tuple(ranked[1:]))


def propose(needs: Sequence[Need], quotes: Sequence[Quote], today: date) -> list[LineChoice]:
    return [choose(need, quotes, today) for need in needs]


def split_by_supplier(choices: Iterable[LineChoice]) -> dict[str, list[LineChoice]]:
    """Chosen lines grouped by supplier (one purchase order each), in supplier-code order."""
    groups: dict[str, list[LineChoice]] = {}
    for choice in choices:
        if choice.chosen is not None:
            groups.setdefault(choice.chosen.quote.supplier_code, []).append(choice)
    return dict(sorted(groups.items()))

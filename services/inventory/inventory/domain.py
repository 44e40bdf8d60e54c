"""Inventory rules with no I/O: allocation of stock to order lines, moving-average cost, receipt tolerance,
low-stock crossings, and the document state machines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
StockKey = tuple[str, str]  # (sku, warehouse_code)


class TransitionError(Exception):
    def __init__(self, document: str, state: str, target: str) -> None:
        super().__init__(f"{document} cannot go from {state} to {target}")
        self.state, self.target = state, target


@dataclass(frozen=True)
class StateMachine:
    document: str
    transitions: Mapping[str, frozenset[str]]

    def check(self, state: str, target: str) -> None:
        if target not in self.transitions.get(state, frozenset()):
            raise TransitionError(self.document, state, target)

    def allows(self, state: str, target: str) -> bool:
        return target in self.transitions.get(state, frozenset())


OUTBOUND = StateMachine(
    "outbound order",
    {
        "created": frozenset({"picking", "packed", "cancelled"}),
        # → created: un-picked, the goods put back (so the order may be edited)
        "picking": frozenset({"picking", "packed", "created", "cancelled"}),
        "packed": frozenset({"shipped", "created", "cancelled"}),
        "shipped": frozenset({"delivered"}),
    },
)
RECEIPT = StateMachine("goods receipt", {"draft": frozenset({"posted", "cancelled"})})


@dataclass(frozen=True)
class Need:
    """Stock still wanted for one order line."""

    line_no: int
    sku: str
    qty: Decimal


@dataclass(frozen=True)
class Take:
    line_no: int
    sku: str
    warehouse_code: str
    qty: Decimal


@dataclass(frozen=True)
class Shortfall:
    line_no: int
    sku: str
    missing: Decimal
    allocatable: Decimal


@dataclass
class Allocation:
    takes: list[Take] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.shortfalls


def allocate(needs: Sequence[Need], available: Mapping[StockKey, Decimal], warehouses: Sequence[str]) -> Allocation:
    """Allocate needs from available stock. One warehouse that can serve every line is preferred (one
    shipment); otherwise each line takes from the warehouses in the given order, splitting if it must."""
    needs = [n for n in needs if n.qty > 0]
    for wh in warehouses:
        if _fits(needs, available, wh):
            return Allocation([Take(n.line_no, n.sku, wh, n.qty) for n in needs])
    left = dict(available)
    result = Allocation()
    for need in needs:
        missing = need.qty
        for wh in warehouses:
            take = min(missing, left.get((need.sku, wh), ZERO))
            if take > 0:
                result.takes.append(Take(need.line_no, need.sku, wh, take))
                left[(need.sku, wh)] -= take
                missing -= take
        if missing > 0:
            result.shortfalls.append(Shortfall(need.line_no, need.sku, missing, need.qty - missing))
    return result


def _fits(needs: Sequence[Need], available: Mapping[StockKey, Decimal], wh: str) -> bool:
    wanted: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for n in needs:
        wanted[n.sku] += n.qty
    return all(available.get((sku, wh), ZERO) >= qty for sku, qty in wanted.items())


def preferred_warehouses(all_codes: Iterable[str], holding: Iterable[str], only: str | None) -> list[str]:
    """Warehouses to allocate from: just `only` when the order names one; else those already holding stock
    for the order first (top-ups stay together), then the rest by code."""
    if only is not None:
        return [only]
    first = sorted(set(holding))
    return first + sorted(set(all_codes) - set(first))


def moving_average(on_hand: Decimal, avg_cost: Decimal, qty_in: Decimal, unit_cost: Decimal) -> Decimal:
    """The moving-average unit cost after receiving `qty_in` at `unit_cost`, 4 decimal places."""
    if qty_in <= 0:
        return avg_cost
    if on_hand <= 0:
        return unit_cost.quantize(Decimal("0.0001"), ROUND_HALF_UP)
    total = on_hand * avg_cost + qty_in * unit_cost
    return (total / (on_hand + qty_in)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def tolerance_limit(ordered: Decimal, tolerance_pct: Decimal) -> Decimal:
    return ordered * (1 + tolerance_pct / 100)


def over_tolerance(ordered: Decimal, already: Decimal, receiving: Decimal, tolerance_pct: Decimal) -> bool:
    return already + receiving > tolerance_limit(ordered, tolerance_pct)


@dataclass(frozen=True)
class LowStockCheck:
    flagged: bool  # the new state of the alert
    emit: bool  # a crossing below the reorder point happened now


def low_stock(available: Decimal, reorder_point: Decimal, flagged: bool) -> LowStockCheck:
    """Once per crossing: emit when available falls below the reorder point while not flagged; re-arm when
    it is back at or above it."""
    below = reorder_point > 0 and available < reorder_point
    if below and not flagged:
        return LowStockCheck(True, True)
    return LowStockCheck(below, False)


def variance_over(expected: Decimal, counted: Decimal, threshold_pct: Decimal) -> bool:
    """A stocktake variance beyond the threshold (percent of expected; any difference when expected is 0)."""
    diff = abs(counted - expected)
    if expected == 0:
        return diff > 0
    return diff * 100 / expected > threshold_pct

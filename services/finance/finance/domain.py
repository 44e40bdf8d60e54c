"""Finance rules, free of I/O: amounts, credit decisions, allocation, matching, document states."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.pricing import ZERO, cents, line_net, line_tax

# ---- document states (data, enforced in one place) --------------------------------------------------------
INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"partially_paid", "paid", "void"}),
    "partially_paid": frozenset({"paid", "partially_paid"}),
    "paid": frozenset(),
    "void": frozenset(),
}
BILL_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"partially_paid", "paid", "on_hold", "open"}),
    "on_hold": frozenset({"open"}),
    "partially_paid": frozenset({"paid", "partially_paid"}),
    "paid": frozenset(),
}


class TransitionError(Exception):
    def __init__(self, document: str, current: str, wanted: str) -> None:
        super().__init__(f"{document} cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


def check_transition(table: dict[str, frozenset[str]], document: str, current: str, wanted: str) -> None:
    if wanted not in table.get(current, frozenset()):
        raise TransitionError(document, current, wanted)


def paid_status(gross: Decimal, paid: Decimal) -> str:
    """The state a document takes after a payment: fully or partly paid."""
    if paid >= gross:
        return "paid"
    return "partially_paid" if paid > 0 else "open"


# ---- invoice amounts --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PricedLine:
    line_no: int
    sku: str
    qty: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    unit_cost: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        return line_net(self.qty, self.unit_price, self.discount)

    @property
    def tax(self) -> Decimal:
        return line_tax(self.net, self.tax_rate)

    @property
    def cost(self) -> Decimal:
        return cents(self.qty * self.unit_cost)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    cost: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def totals(lines: list[PricedLine]) -> Totals:
    return Totals(
        net=sum((x.net for x in lines), ZERO),
        tax=sum((x.tax for x in lines), ZERO),
        cost=sum((x.cost for x in lines), ZERO),
    )


# ---- credit -----------------------------------------------------------------------------------------------
OPEN_INVOICE_STATUSES = ("open", "partially_paid")


def uninvoiced(amount: Decimal, invoiced: Decimal) -> Decimal:
    """What an active credit hold still reserves of the customer's credit: the part of its amount not invoiced
    yet (never below zero: an order invoiced above its hold reserves nothing more)."""
    return max(amount - invoiced, ZERO)


def credit_exposure(receivables: Decimal, held: Decimal) -> Decimal:
    """A customer's credit exposure: its open receivables (gross − paid of its invoices in
    OPEN_INVOICE_STATUSES) plus what its active holds have not invoiced (the sum of `uninvoiced`), the checked
    order's own hold left out. The credit check sums both in SQL, in the statement that reads its situation
    (handlers/credit.py); tests/unit/test_domain.py and the credit tests pin the two to each other."""
    return cents(receivables + held)


def exposure_of(
    open_invoices: Iterable[tuple[Decimal, Decimal]], active_holds: Iterable[tuple[Decimal, Decimal]]
) -> Decimal:
    """`credit_exposure` of (gross, paid) per open invoice and (amount, invoiced) per active hold."""
    return credit_exposure(
        sum((gross - paid for gross, paid in open_invoices), ZERO),
        sum((uninvoiced(amount, invoiced) for amount, invoiced in active_holds), ZERO),
    )


@dataclass(frozen=True)
class CreditDecision:
    approved: bool
    reason: str | None
    credit_limit: Decimal
    exposure: Decimal  # without this order
    requested: Decimal


def decide_credit(
    *, known: bool, active: bool, credit_limit: Decimal, exposure: Decimal, requested: Decimal
) -> CreditDecision:
    """Approve when the limit minus exposure (open receivables + uninvoiced holds, this order excluded)
    covers the requested amount."""
    if not known:
        return CreditDecision(False, "unknown_customer", ZERO, ZERO, requested)
    if not active:
        return CreditDecision(False, "customer_inactive", credit_limit, exposure, requested)
    if credit_limit - exposure >= requested:
        return CreditDecision(True, None, credit_limit, exposure, requested)
    return CreditDecision(False, "credit_limit", credit_limit, exposure, requested)


# ---- allocation -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenItem:
    number: str
    due_date: date
    outstanding: Decimal


def allocate_oldest_first(amount: Decimal, items: list[OpenItem]) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """Apply `amount` to the items by due date, then number; returns (allocations, what is left)."""
    left = amount
    out: list[tuple[str, Decimal]] = []
    for item in sorted(items, key=lambda i: (i.due_date, i.number)):
        if left <= 0:
            break
        take = min(left, item.outstanding)
        if take > 0:
            out.append((item.number, take))
            left -= take
    return out, left


def allocate_explicit(
    amount: Decimal, wanted: list[tuple[str, Decimal]], outstanding: dict[str, Decimal]
) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """Apply the amounts the payer named; refuse more than an item owes or more than the payment."""
    total = sum((a for _, a in wanted), ZERO)
    if total > amount:
        raise ValueError(f"allocations {total} exceed the payment {amount}")
    for number, value in wanted:
        if number not in outstanding:
            raise LookupError(number)
        if value > outstanding[number]:
            raise ValueError(f"{number} owes {outstanding[number]}, cannot take {value}")
    return wanted, amount - total


# ---- three-way match --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatchLine:
    line_no: int
    sku: str
    po_unit_price: Decimal
    invoice_unit_price: Decimal
    qty_received: Decimal
    qty_invoiced: Decimal

    def price_differs(self, tolerance_pct: Decimal) -> bool:
        return abs(self.invoice_unit_price - self.po_unit_price) * 100 > tolerance_pct * self.po_unit_price

    @property
    def qty_differs(self) -> bool:
        return self.qty_invoiced != self.qty_received


def mismatches(lines: list[MatchLine], tolerance_pct: Decimal) -> tuple[str | None, list[MatchLine]]:
    """Lines where the supplier invoice differs from PO price × received qty beyond tolerance."""
    bad_qty = [x for x in lines if x.qty_differs]
    bad_price = [x for x in lines if x.price_differs(tolerance_pct)]
    if bad_price:
        return "price_mismatch", bad_price + [x for x in bad_qty if x not in bad_price]
    if bad_qty:
        return "quantity_mismatch", bad_qty
    return None, []


# ---- ageing -----------------------------------------------------------------------------------------------
AGEING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def ageing_bucket(due_date: date, as_of: date) -> str:
    days = (as_of - due_date).days
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"

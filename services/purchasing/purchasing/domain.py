"""Purchasing rules, pure: the document state machines, money, receipt progress and anomaly detection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from contracts.pricing import line_net, line_tax

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# ---- state machines: the only place that says which moves are allowed ------------------------------------
REQUISITION_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "cancelled"}),
    "submitted": frozenset({"approved", "rejected", "cancelled"}),
    "approved": frozenset({"ordered", "cancelled"}),
    "rejected": frozenset(),
    "ordered": frozenset(),
    "cancelled": frozenset(),
}
OPEN_REQUISITION = ("draft", "submitted", "approved")

PO_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"pending_approval", "approved", "cancelled"}),
    # a rejected approval sends the order back to draft (edit and resubmit, or cancel)
    "pending_approval": frozenset({"approved", "draft", "cancelled"}),
    "approved": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"shipped", "partially_received", "received", "cancelled"}),
    "shipped": frozenset({"partially_received", "received", "cancelled"}),
    "partially_received": frozenset({"received", "closed"}),
    "received": frozenset({"closed"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
PO_RECEIVING = ("sent", "shipped", "partially_received")


class TransitionError(Exception):
    def __init__(self, document: str, current: str, target: str) -> None:
        super().__init__(f"{document} cannot go from {current} to {target}")
        self.current, self.target = current, target


def check_transition(table: dict[str, frozenset[str]], document: str, current: str, target: str) -> None:
    if target not in table.get(current, frozenset()):
        raise TransitionError(document, current, target)


def can_cancel_po(status: str, any_received: bool) -> bool:
    return "cancelled" in PO_TRANSITIONS.get(status, frozenset()) and not any_received


# ---- money (a line's amounts: contracts.pricing) ----------------------------------------------------------
@dataclass(frozen=True)
class PricedLine:
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO


def totals(lines: Iterable[PricedLine]) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross), each line rounded half-up to cents before summing."""
    net = tax = ZERO
    for line in lines:
        net_of_line = line_net(line.qty, line.unit_price)
        net += net_of_line
        tax += line_tax(net_of_line, line.tax_rate)
    return net, tax, net + tax


def tolerance_for(supplier_pct: Decimal | None, category_pcts: Iterable[Decimal], default_pct: Decimal) -> Decimal:
    """The supplier's own tolerance wins; else the strictest of the lines' categories; else the default."""
    if supplier_pct is not None:
        return supplier_pct
    return min(category_pcts, default=default_pct)


# ---- receipt progress and anomalies --------------------------------------------------------------------------
@dataclass
class LineProgress:
    line_no: int
    sku: str
    ordered: Decimal
    shipped: Decimal = ZERO
    received: Decimal = ZERO  # accepted
    rejected: Decimal = ZERO

    @property
    def arrived(self) -> Decimal:
        return self.received + self.rejected


@dataclass(frozen=True)
class Finding:
    anomaly_type: str
    severity: str
    details: str
    lines: tuple[tuple[int | None, str, Decimal, Decimal], ...]  # (line_no, sku, expected, actual)


def complete_within(line: LineProgress, tolerance_pct: Decimal = ZERO) -> bool:
    """The line counts as complete: its ordered quantity accepted, or short by no more than the tolerance."""
    return line.received >= line.ordered * (1 - tolerance_pct / HUNDRED)


def status_after_receipt(lines: Sequence[LineProgress], tolerance_pct: Decimal = ZERO) -> str:
    """Fully received when every line has its ordered quantity accepted, or all but a short quantity within the
    under-delivery tolerance (tolerance both ways: the same percentage over receipts are allowed); else
    partially received."""
    return "received" if all(complete_within(ln, tolerance_pct) for ln in lines) else "partially_received"


def shortfalls(lines: Sequence[LineProgress]) -> list[tuple[int, Decimal]]:
    """(line_no, short quantity) of the lines received short."""
    return [(ln.line_no, ln.ordered - ln.received) for ln in lines if ln.received < ln.ordered]


def receipt_findings(
    before: Sequence[LineProgress], after: Sequence[LineProgress], tolerance_pct: Decimal
) -> list[Finding]:
    """What one goods receipt revealed, comparing the lines before and after it.

    - short receipt: a delivery the supplier announced (ASN, in transit = shipped - arrived before) came with
      less than announced;
    - over receipt: what arrived exceeds ordered by more than the tolerance;
    - quality rejection: the receipt rejected something.
    """
    short, over, rejected = [], [], []
    limit = 1 + tolerance_pct / HUNDRED
    for old, new in zip(before, after, strict=True):
        got = new.arrived - old.arrived
        if got <= 0 and new.rejected == old.rejected:
            continue
        in_transit = old.shipped - old.arrived
        if in_transit > 0 and got < in_transit:
            short.append((new.line_no, new.sku, in_transit, got))
        if new.arrived > new.ordered * limit and old.arrived <= new.ordered * limit:
            over.append((new.line_no, new.sku, new.ordered, new.arrived))
        if new.rejected > old.rejected:
            rejected.append((new.line_no, new.sku, ZERO, new.rejected - old.rejected))
    found = []
    if short:
        found.append(Finding("short_receipt", "warning", "received less than the supplier shipped", tuple(short)))
    if over:
        found.append(Finding("over_receipt", "warning", f"received more than ordered + {tolerance_pct}%", tuple(over)))
    if rejected:
        found.append(Finding("quality_rejection", "warning", "goods rejected at receipt", tuple(rejected)))
    return found


def shipment_findings(lines: Sequence[LineProgress]) -> Finding | None:
    """A complete ship notice (no more to follow) that leaves a line short of the ordered quantity."""
    short = tuple((ln.line_no, ln.sku, ln.ordered, ln.shipped) for ln in lines if ln.shipped < ln.ordered)
    if not short:
        return None
    return Finding("short_shipment", "warning", "the supplier shipped less than ordered", short)

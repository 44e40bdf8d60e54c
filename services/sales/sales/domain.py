"""The sales order, pure: states and their allowed transitions (as data), pricing, edit/cancel rules, the
fulfilment progression and the customer-visible progress steps. Standard library + decimal only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.pricing import line_net, line_tax

PENDING = "pending"
PENDING_APPROVAL = "pending_approval"
RESERVING = "reserving"
AWAITING_CREDIT = "awaiting_credit"
CONFIRMED = "confirmed"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
DELIVERED = "delivered"
INVOICED = "invoiced"
PAID = "paid"
CLOSED = "closed"
REJECTED = "rejected"
BACKORDERED = "backordered"
CANCELLED = "cancelled"

# The one table of allowed order transitions. `None` is "no state yet" (the order is being placed).
# confirmed/awaiting_credit → reserving: an amendment re-runs the reservation for the difference.
TRANSITIONS: Mapping[str | None, frozenset[str]] = {
    None: frozenset({PENDING}),
    PENDING: frozenset({PENDING_APPROVAL, RESERVING, REJECTED, CANCELLED}),
    PENDING_APPROVAL: frozenset({RESERVING, REJECTED, CANCELLED}),
    RESERVING: frozenset({AWAITING_CREDIT, BACKORDERED, REJECTED, CANCELLED}),
    BACKORDERED: frozenset({AWAITING_CREDIT, REJECTED, CANCELLED}),
    AWAITING_CREDIT: frozenset({CONFIRMED, RESERVING, REJECTED, CANCELLED}),
    CONFIRMED: frozenset({PARTIALLY_SHIPPED, SHIPPED, RESERVING, CANCELLED}),
    PARTIALLY_SHIPPED: frozenset({SHIPPED}),
    SHIPPED: frozenset({DELIVERED, INVOICED}),
    DELIVERED: frozenset({INVOICED}),
    INVOICED: frozenset({PAID}),
    PAID: frozenset({CLOSED}),
    CLOSED: frozenset(),
    REJECTED: frozenset(),
    CANCELLED: frozenset(),
}
STATUSES: tuple[str, ...] = tuple(s for s in TRANSITIONS if s is not None)
TERMINAL = frozenset({CLOSED, REJECTED, CANCELLED})
# The saga's part of the life: after `confirmed` only fulfilment events move the order.
IN_SAGA = frozenset({PENDING, PENDING_APPROVAL, RESERVING, AWAITING_CREDIT, BACKORDERED})
SHIPPED_OR_LATER = frozenset({PARTIALLY_SHIPPED, SHIPPED, DELIVERED, INVOICED, PAID, CLOSED})
EDITABLE = frozenset({PENDING_APPROVAL, AWAITING_CREDIT, CONFIRMED})
CANCELLABLE = frozenset({PENDING, PENDING_APPROVAL, RESERVING, AWAITING_CREDIT, BACKORDERED, CONFIRMED})
# The fulfilment path after confirmation, in order.
FULFILMENT_PATH: tuple[str, ...] = (CONFIRMED, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, INVOICED, PAID, CLOSED)


class RuleViolationError(Exception):
    """A business rule refused the change; `code` is stable (the API answers 409 with it)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def can_transition(current: str | None, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def check_transition(current: str | None, to: str) -> None:
    """The one place transitions are enforced."""
    if not can_transition(current, to):
        raise RuleViolationError("illegal_transition", f"an order cannot go from {current} to {to}")


# --- pricing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    line_no: int
    sku: str
    qty: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal("0")
    tax_rate: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        return line_net(self.qty, self.unit_price, self.discount)

    @property
    def tax(self) -> Decimal:
        return line_tax(self.net, self.tax_rate)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def totals_of(lines: Iterable[Line]) -> Totals:
    items = list(lines)
    return Totals(sum((x.net for x in items), Decimal("0.00")), sum((x.tax for x in items), Decimal("0.00")))


def max_discount(lines: Iterable[Line]) -> Decimal:
    return max((x.discount for x in lines), default=Decimal("0"))


def same_lines(a: Iterable[Line], b: Iterable[Line]) -> bool:
    """The same goods at the same prices (line numbers and order aside): a retry of one order, not another."""

    def key(lines: Iterable[Line]) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
        return sorted((x.sku, x.qty, x.unit_price, x.discount, x.tax_rate) for x in lines)

    return key(a) == key(b)


def reservation_targets(old: Sequence[Line], new: Sequence[Line]) -> list[tuple[int, str, Decimal]]:
    """Absolute targets for an amendment: every new line at its qty, every dropped line at 0."""
    kept = {x.line_no for x in new}
    targets = [(x.line_no, x.sku, x.qty) for x in new]
    targets += [(x.line_no, x.sku, Decimal("0")) for x in old if x.line_no not in kept]
    return sorted(targets)


# --- edit, cancel ------------------------------------------------------------------------------------


def check_editable(status: str, anything_shipped: bool, anything_picked: bool = False) -> None:
    if anything_shipped or status in SHIPPED_OR_LATER:
        raise RuleViolationError(
            "order_already_shipped", "the order has shipped: it cannot be edited, only voided or returned"
        )
    if anything_picked:
        raise RuleViolationError(
            "order_already_picked",
            "the warehouse has picked the order: it can be edited once the warehouse un-picks its outbound order",
        )
    if status not in EDITABLE:
        raise RuleViolationError("order_not_editable", f"an order in {status} cannot be edited now")


def check_cancellable(status: str, anything_shipped: bool) -> None:
    if anything_shipped or status in SHIPPED_OR_LATER:
        raise RuleViolationError(
            "order_already_shipped", "the order has shipped: it cannot be cancelled, only voided or returned"
        )
    if status not in CANCELLABLE:
        raise RuleViolationError("order_not_cancellable", f"an order in {status} cannot be cancelled")


def check_voidable(status: str, anything_shipped: bool) -> None:
    if not (anything_shipped or status in SHIPPED_OR_LATER):
        raise RuleViolationError("order_not_shipped", "an order that has not shipped is cancelled, not voided")


# --- fulfilment --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fulfilment:
    """What the order's shipments, invoices and payments say, as facts sales has recorded."""

    fully_shipped: bool
    any_shipped: bool
    all_delivered: bool
    all_invoiced: bool
    all_paid: bool


def fulfilment_steps(status: str, facts: Fulfilment) -> list[str]:
    """The statuses to pass through, in order, from `status` to where the facts say the order is."""
    if status not in FULFILMENT_PATH:
        return []
    reached = {
        PARTIALLY_SHIPPED: facts.any_shipped and not facts.fully_shipped,
        SHIPPED: facts.fully_shipped,
        DELIVERED: facts.all_delivered,
        INVOICED: facts.all_invoiced,
        PAID: facts.all_paid,
        CLOSED: facts.all_paid,
    }
    target = max((i for i, s in enumerate(FULFILMENT_PATH) if reached.get(s)), default=0)
    here = FULFILMENT_PATH.index(status)
    path = [s for s in FULFILMENT_PATH[here + 1 : target + 1] if reached[s]]
    # Delivery may be confirmed after invoicing: then the order goes shipped → invoiced directly.
    steps, at = [], status
    for s in path:
        if can_transition(at, s):
            steps.append(s)
            at = s
    return steps


# --- customer-visible progress ------------------------------------------------------------------------

PROGRESS_STEPS: tuple[tuple[str, str], ...] = (
    ("placed", "下单"),
    ("approved", "审核"),
    ("allocated", "配货"),
    ("outbound", "出库"),
    ("shipped", "发货"),
    ("delivered", "签收"),
    ("settled", "结算"),
)


# Shown only once the order has one: goods of it came back (a return received by the warehouse).
RETURNED_STEP = ("returned", "退货")


def progress(times: Mapping[str, datetime | None]) -> list[dict[str, object]]:
    steps = [*PROGRESS_STEPS, RETURNED_STEP] if times.get(RETURNED_STEP[0]) is not None else PROGRESS_STEPS
    return [
        {"key": key, "label": label, "done": times.get(key) is not None, "at": times.get(key)} for key, label in steps
    ]

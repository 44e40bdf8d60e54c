"""The saga's commands to inventory and finance, built from the order. Each states the wanted result, so a
re-sent command (retry, late-reply compensation) has no second effect at the receiver."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contracts.sales import (
    AdjustReservation,
    CheckCredit,
    ReleaseStock,
    ReservationTarget,
    ReserveStock,
    VoidOrderSettlement,
)
from sales import domain
from sales.store import Loaded, stock_lines


def reserve_stock(o: Loaded, lines: Sequence[domain.Line]) -> ReserveStock:
    return ReserveStock(
        order_no=o.no,
        lines=stock_lines(lines),
        backorder=bool(o.order["allow_backorder"]),
        priority=o.order["priority"],
        placed_at=o.order["placed_at"],
        warehouse_code=o.order["warehouse_code"],
        requested_date=o.order["requested_date"],
    )


def adjust_reservation(o: Loaded, targets: Sequence[tuple[int, str, Decimal]], reason: str | None) -> AdjustReservation:
    return AdjustReservation(
        order_no=o.no,
        revision=o.revision,
        lines=[ReservationTarget(line_no=n, sku=sku, qty=qty) for n, sku, qty in targets],
        reason=reason,
    )


def check_credit(o: Loaded) -> CheckCredit:
    return CheckCredit(
        order_no=o.no,
        revision=o.revision,
        customer_code=o.customer,
        amount=o.order["gross"],
        currency=o.order["currency"],
    )


def release_stock(o: Loaded, reason: str) -> ReleaseStock:
    return ReleaseStock(order_no=o.no, reason=reason)


def void_settlement(o: Loaded, reason: str) -> VoidOrderSettlement:
    return VoidOrderSettlement(order_no=o.no, customer_code=o.customer, reason=reason)

"""Place an order: validate against local customers, price it, store it with its lines, start the saga
(approval or stock reservation) and publish, all in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from approvals.domain import plan
from approvals.store import load_rules, start_approval
from contracts.common import Address
from contracts.sales import OrderApprovalRequested, OrderPlaced
from sales import domain
from sales.db import approval, customers, kit, order_lines, orders
from sales.saga import commands, state
from sales.store import Loaded, contract_lines, line_values, record_initial
from sales.unit import Tx
from servicekit import audit
from servicekit.errors import DomainError, InputError
from servicekit.fastsql import Statement, insert_of
from servicekit.numbering import next_number

SALES_ORDER = "sales_order"

# Run for every new order: built once.
_CUSTOMER = Statement(
    select(customers.c.active, customers.c.payment_terms_days).where(customers.c.code == bindparam("code"))
)
_ORDER_COLUMNS = (
    "order_no",
    "customer_code",
    "channel",
    "external_ref",
    "status",
    "revision",
    "currency",
    "net",
    "tax",
    "gross",
    "priority",
    "allow_backorder",
    "requested_date",
    "warehouse_code",
    "ship_to",
    "note",
    "payment_terms_days",
    "tracking_token",
    "placed_by",
    "placed_at",
    "updated_at",
)
_INSERT_ORDER = Statement(insert_of(orders, *_ORDER_COLUMNS).on_conflict_do_nothing().returning(orders.c.order_no))
_INSERT_LINES = Statement(
    insert_of(order_lines, "order_no", "line_no", "sku", "qty", "unit_price", "discount", "tax_rate", "net", "tax")
)


@dataclass(frozen=True)
class NewOrder:
    customer_code: str
    channel: str
    external_ref: str | None
    lines: Sequence[domain.Line]
    priority: int
    allow_backorder: bool
    requested_date: date | None
    warehouse_code: str | None
    ship_to: Address | None
    note: str | None
    currency: str


@dataclass(frozen=True)
class Placed:
    order_no: str
    created: bool
    order: dict[str, Any] | None = None
    lines: Sequence[domain.Line] = ()


async def existing_order(tx: Tx, channel: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    query = select(orders.c.order_no).where((orders.c.channel == channel) & (orders.c.external_ref == external_ref))
    return await tx.session.scalar(query)


async def place_order(tx: Tx, new: NewOrder) -> Placed:
    customer = await _CUSTOMER.fetchrow(tx.session, code=new.customer_code)
    if customer is None:
        raise InputError("customer_code", f"unknown customer {new.customer_code}")
    if not customer["active"]:
        raise DomainError("customer_inactive", f"customer {new.customer_code} is inactive")
    found = await existing_order(tx, new.channel, new.external_ref)
    if found is not None:
        return Placed(found, created=False)
    totals = domain.totals_of(new.lines)
    levels = await approval_levels(tx, totals.gross, new.lines)
    path = [domain.PENDING, domain.PENDING_APPROVAL if levels else domain.RESERVING]
    order = {
        "order_no": await next_number(tx.session, kit, "SO", tx.now),
        "customer_code": new.customer_code,
        "channel": new.channel,
        "external_ref": new.external_ref,
        "status": path[-1],
        "revision": 1,
        "currency": new.currency,
        "net": totals.net,
        "tax": totals.tax,
        "gross": totals.gross,
        "priority": new.priority,
        "allow_backorder": new.allow_backorder,
        "requested_date": new.requested_date,
        "warehouse_code": new.warehouse_code,
        "ship_to": new.ship_to.model_dump(mode="json") if new.ship_to else None,
        "note": new.note,
        "payment_terms_days": customer["payment_terms_days"],
        "tracking_token": secrets.token_urlsafe(24),
        "placed_by": tx.actor,
        "placed_at": tx.now,
        "updated_at": tx.now,
    }
    inserted = await _INSERT_ORDER.fetchval(tx.session, **order)
    if inserted is None:  # the same (channel, external_ref) committed concurrently: that order it is
        return Placed(str(await existing_order(tx, new.channel, new.external_ref)), created=False)
    await _INSERT_LINES.executemany(tx.session, line_values(inserted, new.lines))
    o = Loaded(order, {})
    await record_initial(tx, o, path)
    tx.publish(_placed_event(o, new))
    if levels:
        await _start_approval(tx, o, levels)
    else:
        tx.publish(commands.reserve_stock(o, new.lines))
        await state.start(
            tx,
            o.no,
            (state.RESERVE, "requested", None),
            step=state.RESERVE,
            status=state.ACTIVE,
            deadline_at=state.step_deadline(tx),
            attempts=1,
            stock_requested=True,
        )
    await audit.record(
        tx.session,
        kit,
        actor=tx.actor or f"channel:{new.channel}",
        entity="sales_order",
        entity_id=o.no,
        action="placed",
        after=_audit_view(order, new.lines),
    )
    return Placed(o.no, created=True, order=order, lines=new.lines)


async def approval_levels(tx: Tx, gross: Decimal, lines: Sequence[domain.Line]) -> list[str]:
    """The approver roles the `sales_order` rules ask for (shared engine); [] when none applies."""
    rules = await load_rules(tx.session, approval, SALES_ORDER)
    return plan(rules, SALES_ORDER, gross, discount=domain.max_discount(lines)) if rules else []


async def _start_approval(tx: Tx, o: Loaded, levels: list[str]) -> None:
    requester = tx.actor or f"channel:{o.order['channel']}"
    await start_approval(tx.session, approval, SALES_ORDER, o.no, requester, levels, tx.now)
    due = tx.now + timedelta(seconds=tx.settings.approval_timeout_seconds)
    tx.publish(approval_requested(o, 1, levels, tx.now, due))
    await state.start(
        tx,
        o.no,
        (state.APPROVAL, "requested", f"levels: {', '.join(levels)}"),
        step=state.APPROVAL,
        status=state.ACTIVE,
        deadline_at=due,
    )


def approval_requested(o: Loaded, level: int, levels: Sequence[str], at: Any, due: Any) -> OrderApprovalRequested:
    return OrderApprovalRequested(
        order_no=o.no,
        customer_code=o.customer,
        amount=o.order["gross"],
        currency=o.order["currency"],
        level=level,
        levels_total=len(levels),
        approver_role=levels[level - 1],
        requested_at=at,
        due_at=due,
    )


def _placed_event(o: Loaded, new: NewOrder) -> OrderPlaced:
    return OrderPlaced(
        order_no=o.no,
        customer_code=new.customer_code,
        channel=new.channel,
        external_ref=new.external_ref,
        lines=contract_lines(new.lines),
        currency=new.currency,
        totals=o.amounts(),
        priority=new.priority,
        allow_backorder=new.allow_backorder,
        requested_date=new.requested_date,
        warehouse_code=new.warehouse_code,
        ship_to=new.ship_to,
        note=new.note,
        placed_by=o.order["placed_by"],
        placed_at=o.order["placed_at"],
    )


def _audit_view(order: dict[str, Any], lines: Sequence[domain.Line]) -> dict[str, Any]:
    view = {k: v for k, v in order.items() if k not in ("tracking_token", "ship_to")}
    view["lines"] = [(x.line_no, x.sku, str(x.qty), str(x.unit_price), str(x.discount)) for x in lines]
    return {k: (v if isinstance(v, str | int | bool | list | None) else str(v)) for k, v in view.items()}


def number_lines(items: Sequence[tuple[int | None, str, Decimal, Decimal, Decimal, Decimal]]) -> list[domain.Line]:
    """Lines without a number get their position (1-based); numbers must be unique."""
    lines = [domain.Line(n or i, sku, q, p, d, t) for i, (n, sku, q, p, d, t) in enumerate(items, start=1)]
    if len({x.line_no for x in lines}) != len(lines):
        raise InputError("lines", "line_no values must be unique")
    return lines

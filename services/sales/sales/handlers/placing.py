"""Place an order: validate against local customers, price it, store it with its lines, start the saga
(approval or stock reservation) and publish, atomically: one statement checks it and draws its number, then one
statement writes the order with its saga and messages (no transaction block needed), or, when an approval is to
start, that statement and the approval's in one transaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Integer, String, column, select, text

from approvals.domain import ApprovalRule, Escalation, EscalationDefaults, plan, plan_escalations, same_approver_allowed
from approvals.store import load_rules, rule_of, start_approval
from contracts.common import Address
from contracts.sales import OrderApprovalRequested, OrderPlaced
from sales import domain
from sales.config import SalesSettings, SalesUnit
from sales.db import approval, order_revisions, orders
from sales.handlers.catalog import categories_of
from sales.saga import commands, state
from sales.store import (
    Loaded,
    contract_lines,
    first_states,
    line_values,
    lines_from_json,
    lines_of,
    publish_first_states,
)
from servicekit.errors import DomainError, InputError
from servicekit.fastsql import Statement
from servicekit.numbering import NUMBER_SQL, number_params
from servicekit.outbox import insert_member

SALES_ORDER = "sales_order"

# Run for every new order: built once.
# Before anything is written, in one round trip: the customer, the approval rules of sales orders (a row per rule,
# one without a rule when there is none), an order the same customer already placed under the same channel
# reference, and the new order's number, drawn only when the customer is active and there is no such order. No row:
# an unknown customer.
_CHECK = Statement(
    text(
        "WITH c AS (SELECT active, payment_terms_days FROM customers WHERE code = :code), "
        "e AS (SELECT order_no FROM orders WHERE customer_code = :code AND channel = :channel "
        "AND external_ref = :external_ref), "
        f"n AS (SELECT {NUMBER_SQL} AS order_no FROM c WHERE c.active AND NOT EXISTS (SELECT FROM e)) "
        "SELECT c.active, c.payment_terms_days, (SELECT order_no FROM e) AS existing, "
        "(SELECT order_no FROM n) AS number, "
        + ", ".join(f"r.{c.name} AS rule_{c.name}" for c in approval.rules.c)
        + f" FROM c LEFT JOIN {approval.rules.name} AS r ON r.document_type = :document_type ORDER BY r.position"
    ).columns(
        column("active", Boolean),
        column("payment_terms_days", Integer),
        column("existing", String),
        column("number", String),
        *(column(f"rule_{c.name}", c.type) for c in approval.rules.c),
    )
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
_LINE_FIELDS = ("line_no", "sku", "qty", "unit_price", "discount", "tax_rate", "net", "tax")
# A new order in ONE statement: the order, its lines, its first history rows, its saga row, its audit entry and
# its messages (outbox). When the order is not inserted (the same customer, channel and external reference
# committed concurrently), nothing is. Being one statement, it is atomic without a transaction block (see place_order).
_PLACE = Statement(
    text(
        "WITH o AS (INSERT INTO orders ("
        + ", ".join(_ORDER_COLUMNS)
        + ") VALUES ("
        + ", ".join({"ship_to": "CAST(:ship_to AS jsonb)"}.get(c, f":{c}") for c in _ORDER_COLUMNS)
        + ") ON CONFLICT DO NOTHING RETURNING order_no), "
        "l AS (INSERT INTO order_lines (order_no, " + ", ".join(_LINE_FIELDS) + ") "
        "SELECT o.order_no, x.* FROM o, unnest(CAST(:l_line_no AS int[]), CAST(:l_sku AS varchar[]), "
        "CAST(:l_qty AS numeric[]), CAST(:l_unit_price AS numeric[]), CAST(:l_discount AS numeric[]), "
        "CAST(:l_tax_rate AS numeric[]), CAST(:l_net AS numeric[]), CAST(:l_tax AS numeric[])) AS x), "
        "h AS (INSERT INTO order_status_history (order_no, from_status, to_status, reason, actor, at) "
        "SELECT o.order_no, x.f, x.t, NULL, CAST(:placed_by AS varchar), CAST(:placed_at AS timestamptz) "
        "FROM o, unnest(CAST(:h_from AS varchar[]), CAST(:h_to AS varchar[])) WITH ORDINALITY AS x(f, t, n) "
        "ORDER BY x.n), "
        "s AS (INSERT INTO sagas (order_no, started_at, updated_at, steps, step, status, revision, deadline_at, "
        "attempts, stock_requested, credit_requested, awaiting_release, awaiting_void, finished_at) "
        "SELECT o.order_no, CAST(:placed_at AS timestamptz), CAST(:placed_at AS timestamptz), "
        "CAST(:s_steps AS jsonb), CAST(:s_step AS varchar), CAST(:s_status AS varchar), 1, "
        "CAST(:s_deadline_at AS timestamptz), CAST(:s_attempts AS int), CAST(:s_stock_requested AS boolean), "
        "false, false, false, NULL FROM o), "
        "a AS (INSERT INTO audit_log (actor, entity, entity_id, action, after) "
        "SELECT CAST(:a_actor AS varchar), 'sales_order', o.order_no, 'placed', CAST(:a_after AS jsonb) FROM o), "
        f"ob AS ({insert_member('o')}) "
        "SELECT order_no FROM o"
    )
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


@dataclass(frozen=True)
class Checked:
    """What placing an order found before writing anything (`check_order`)."""

    existing: str | None  # the order the customer already placed under the same channel reference
    order_no: str | None  # the new order's number (None when existing)
    payment_terms_days: int
    totals: domain.Totals
    levels: list[str]  # the approver roles the approval rules ask for
    same_approver: bool = False  # may one person decide several of them (every applicable rule allows it)
    escalations: Sequence[Escalation] = ()  # per level, its rule's deadlines and escalation chain

    @property
    def one_statement(self) -> bool:
        """Is placing it ONE statement (no approval to start), which is atomic without a transaction block?"""
        return self.existing is not None or not self.levels


async def existing_order(tx: SalesUnit, new: NewOrder) -> str | None:
    """The order the customer already placed under the channel reference (None without a reference)."""
    if new.external_ref is None:
        return None
    query = select(orders.c.order_no).where(
        (orders.c.customer_code == new.customer_code)
        & (orders.c.channel == new.channel)
        & (orders.c.external_ref == new.external_ref)
    )
    return await tx.session.scalar(query)


async def placed_lines(tx: SalesUnit, order_no: str) -> list[domain.Line]:
    """The lines an order was placed with (revision 1: kept by the first amendment, else the current lines)."""
    first = await tx.session.scalar(
        select(order_revisions.c.lines).where(
            (order_revisions.c.order_no == order_no) & (order_revisions.c.revision == 1)
        )
    )
    return lines_from_json(first) if first is not None else await lines_of(tx, order_no)


async def same_order_again(tx: SalesUnit, new: NewOrder, existing: str) -> Placed:
    """A channel reference the customer used before: the same order again is that order (a retry); different
    lines under it are a conflict, never a silent answer with the other order."""
    if not domain.same_lines(await placed_lines(tx, existing), new.lines):
        raise DomainError(
            "external_ref_conflict",
            f"{new.channel} reference {new.external_ref} is order {existing}, placed with different lines",
            order_no=existing,
        )
    return Placed(existing, created=False)


async def check_order(tx: SalesUnit, new: NewOrder) -> Checked:
    """Validate a new order against its customer, find an order already placed under its channel reference, price
    it, ask the approval rules, and draw its number: one round trip."""
    rows = await _CHECK.fetch(
        tx.session,
        code=new.customer_code,
        channel=new.channel,
        external_ref=new.external_ref,
        document_type=SALES_ORDER,
        **await number_params(tx.session, "SO", tx.now),
    )
    customer = rows[0] if rows else None
    if customer is None:
        raise InputError("customer_code", f"unknown customer {new.customer_code}")
    if not customer["active"]:
        raise DomainError("customer_inactive", f"customer {new.customer_code} is inactive")
    totals = domain.totals_of(new.lines)
    if customer["existing"] is not None:
        return Checked(customer["existing"], None, customer["payment_terms_days"], totals, [])
    rules = [rule_of(r, "rule_") for r in rows if r["rule_document_type"] is not None]
    approval_plan = await plan_approval(tx, totals.gross, new.lines, rules)
    return Checked(
        None,
        customer["number"],
        customer["payment_terms_days"],
        totals,
        approval_plan.levels,
        approval_plan.same,
        approval_plan.escalations,
    )


async def place_order(tx: SalesUnit, new: NewOrder, checked: Checked | None = None) -> Placed:
    """Place a checked order (checked now unless given). In a transaction; or, when `checked.one_statement`, in a
    `Database.autocommit` session: the order, its saga and its messages are then written by one statement."""
    checked = checked or await check_order(tx, new)
    if checked.existing is not None:
        return await same_order_again(tx, new, checked.existing)
    assert checked.order_no is not None
    totals, levels = checked.totals, checked.levels
    path = [domain.PENDING, domain.PENDING_APPROVAL if levels else domain.RESERVING]
    order = {
        "order_no": checked.order_no,
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
        "payment_terms_days": checked.payment_terms_days,
        "tracking_token": secrets.token_urlsafe(24),
        "placed_by": tx.actor,
        "placed_at": tx.now,
        "updated_at": tx.now,
    }
    o = Loaded(order, {})
    transitions = first_states(path)
    if levels:
        saga = state.initial(
            tx,
            (state.APPROVAL, "requested", f"levels: {', '.join(levels)}"),
            step=state.APPROVAL,
            deadline_at=tx.now + first_escalation(checked.escalations).remind_after(escalation_defaults(tx.settings)),
        )
    else:
        saga = state.initial(
            tx,
            (state.RESERVE, "requested", None),
            step=state.RESERVE,
            deadline_at=state.step_deadline(tx),
            attempts=1,
            stock_requested=True,
        )
    # In the order they happen: the order exists (OrderPlaced) before it changes state (its first transitions).
    tx.publish(_placed_event(o, new))
    publish_first_states(tx, o, transitions)
    if not levels:
        tx.publish(commands.reserve_stock(o, new.lines))
    lines = line_values("", new.lines)
    inserted = await _PLACE.fetchval(
        tx.session,
        **{k: v for k, v in order.items() if k != "ship_to"},
        ship_to=None if order["ship_to"] is None else json.dumps(order["ship_to"]),
        **{f"l_{k}": [x[k] for x in lines] for k in _LINE_FIELDS},
        h_from=[before for before, _ in transitions],
        h_to=[to for _, to in transitions],
        **{f"s_{k}": saga[k] for k in ("step", "deadline_at", "attempts", "stock_requested")},
        s_status=state.ACTIVE,
        s_steps=json.dumps(saga["steps"]),
        a_actor=tx.actor or f"channel:{new.channel}",
        a_after=json.dumps(_audit_view(order, new.lines)),
        **tx.outbox.member_params(tx.take()),
    )
    if inserted is None:  # the same (customer, channel, external_ref) committed concurrently: that order it is
        return await same_order_again(tx, new, str(await existing_order(tx, new)))
    await tx.outbox.written(tx.session)
    if levels:
        await _start_approval(tx, o, levels, saga["deadline_at"], checked.same_approver, checked.escalations)
    return Placed(o.no, created=True, order=order, lines=new.lines)


@dataclass(frozen=True)
class ApprovalPlan:
    levels: list[str]  # the approver roles, level 1 first; [] when no rule applies
    same: bool = False  # one person may decide several levels
    escalations: Sequence[Escalation] = ()  # per level: its rule's deadlines and escalation chain


def escalation_defaults(settings: SalesSettings) -> EscalationDefaults:
    """The deadlines and chain of the levels whose rule sets none (a rule's own come first)."""
    return EscalationDefaults.of_seconds(
        settings.approval_timeout_seconds, settings.approval_escalation_seconds, settings.approval_escalation_roles
    )


def first_escalation(escalations: Sequence[Escalation]) -> Escalation:
    return escalations[0] if escalations else Escalation()


async def plan_approval(
    tx: SalesUnit, gross: Decimal, lines: Sequence[domain.Line], rules: list[ApprovalRule] | None = None
) -> ApprovalPlan:
    """What the `sales_order` rules (read now unless given) ask for (shared engine), given the order's amount,
    its largest discount and its lines' product categories (read only when a rule is scoped by category)."""
    if rules is None:
        rules = await load_rules(tx.session, approval, SALES_ORDER)
    if not rules:
        return ApprovalPlan([])
    categories = await categories_of(tx, (x.sku for x in lines)) if any(r.categories for r in rules) else []
    discount = domain.max_discount(lines)
    levels = plan(rules, SALES_ORDER, gross, categories, discount=discount)
    escalations = plan_escalations(rules, SALES_ORDER, gross, categories, discount=discount)
    return ApprovalPlan(levels, same_approver_allowed(rules, SALES_ORDER, gross, categories, discount), escalations)


async def _start_approval(
    tx: SalesUnit, o: Loaded, levels: list[str], due: Any, same_approver: bool, escalations: Sequence[Escalation]
) -> None:
    requester = tx.actor or f"channel:{o.order['channel']}"
    await start_approval(
        tx.session,
        approval,
        SALES_ORDER,
        o.no,
        requester,
        levels,
        tx.now,
        allow_same_approver=same_approver,
        escalations=escalations,
    )
    tx.publish(approval_requested(o, 1, levels, tx.now, due))


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
        tracking_token=o.order["tracking_token"],
    )


def _audit_view(order: dict[str, Any], lines: Sequence[domain.Line]) -> dict[str, Any]:
    view = {k: v for k, v in order.items() if k not in ("tracking_token", "ship_to")}
    view["lines"] = [(x.line_no, x.sku, str(x.qty), str(x.unit_price), str(x.discount)) for x in lines]
    return {k: (v if isinstance(v, str | int | bool | list | None) else str(v)) for k, v in view.items()}


_QTY, _CENT, _RATE = Decimal("0.001"), Decimal("0.01"), Decimal("0.0001")


def number_lines(items: Sequence[tuple[int | None, str, Decimal, Decimal, Decimal, Decimal]]) -> list[domain.Line]:
    """Lines without a number get their position (1-based); numbers must be unique."""
    # At the stored scale, so the order reads the same in the answer to its placement as in every later one.
    lines = [
        domain.Line(n or i, sku, q.quantize(_QTY), p.quantize(_CENT), d.quantize(_RATE), t.quantize(_RATE))
        for i, (n, sku, q, p, d, t) in enumerate(items, start=1)
    ]
    if len({x.line_no for x in lines}) != len(lines):
        raise InputError("lines", "line_no values must be unique")
    return lines

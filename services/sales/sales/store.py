"""Orders in the database: load one (locked, with its saga row) and change its status — the only place a
status is written: the transition is checked against `domain.TRANSITIONS`, a history row is written and
`OrderStatusChanged` is published, all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func, insert, select, text, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Amounts, OrderLine, StockLine
from contracts.sales import OrderStatusChanged
from sales import domain
from sales.config import SalesUnit
from sales.db import order_lines, order_status_history, orders, sagas
from servicekit.fastsql import Statement
from servicekit.unit import MISSING, Batch

_SAGA_COLUMNS = [c.label(f"saga_{c.name}") for c in sagas.c if c.name != "order_no"]


@dataclass
class Loaded:
    """One order and its saga, as read under the order's row lock; updated in memory as it changes."""

    order: dict[str, Any]
    saga: dict[str, Any]
    lines: list[domain.Line] | None = None  # when loaded with them (`load(..., with_lines=True)`)

    @property
    def no(self) -> str:
        return str(self.order["order_no"])

    @property
    def status(self) -> str:
        return str(self.order["status"])

    @property
    def revision(self) -> int:
        return int(self.order["revision"])

    @property
    def customer(self) -> str:
        return str(self.order["customer_code"])

    def amounts(self) -> Amounts:
        return Amounts(net=self.order["net"], tax=self.order["tax"], gross=self.order["gross"])


# Hot-path statements are built once (no per-call construction and cache-key work).
_ORDER_AND_SAGA = select(orders, *_SAGA_COLUMNS).join(sagas, sagas.c.order_no == orders.c.order_no)
_READ = _ORDER_AND_SAGA.where(orders.c.order_no == bindparam("order_no"))
# The saga row locked with its order: FOR UPDATE OF orders alone would, after waiting for a concurrent writer,
# return the order as it committed but the saga row as it was before (PostgreSQL re-checks locked rows only).
_READ_LOCKED = Statement(_READ.with_for_update(of=(orders, sagas)))
_READ_PLAIN = Statement(_READ)
# ... and its lines, one array per field (in line order), in the same round trip: one aggregate over the order's
# lines (LATERAL), not one subquery per field.
_LINE_FIELDS = ("line_no", "sku", "qty", "unit_price", "discount", "tax_rate")
_LINE_ARRAYS = (
    select(
        *(
            func.array_agg(aggregate_order_by(order_lines.c[f], order_lines.c.line_no)).label(f"lines_{f}")
            for f in _LINE_FIELDS
        )
    )
    .where(order_lines.c.order_no == orders.c.order_no)
    .lateral("order_line_arrays")
)
# Orders with their lines, locked in order number order: a consumer batch's (see `preload`), or one.
_READ_MANY_LOCKED_WITH_LINES = Statement(
    select(orders, *_SAGA_COLUMNS, *_LINE_ARRAYS.c)
    .select_from(orders.join(sagas, sagas.c.order_no == orders.c.order_no).join(_LINE_ARRAYS, true()))
    .where(orders.c.order_no == any_(bindparam("order_nos", type_=ARRAY(String))))
    .order_by(orders.c.order_no)
    .with_for_update(of=(orders, sagas))
)
_PRELOADED = "orders"  # what the batch reads ahead (servicekit.unit.Batch)
# A transition in one round trip: the status and its history row.
_TRANSITION = Statement(
    text(
        """
        WITH changed AS (UPDATE orders SET status = :to_status, updated_at = :at WHERE order_no = :order_no)
        INSERT INTO order_status_history (order_no, from_status, to_status, reason, actor, at)
        VALUES (:order_no, :from_status, :to_status, :reason, :actor, :at)
        """
    )
)
_LINES = Statement(
    select(order_lines).where(order_lines.c.order_no == bindparam("order_no")).order_by(order_lines.c.line_no)
)


async def load(tx: SalesUnit, order_no: str, *, lock: bool = True, with_lines: bool = False) -> Loaded | None:
    """The order and its saga row (and its lines, `with_lines`); locked (FOR UPDATE OF orders) unless told
    otherwise. A handler's first locked load of the order its batch read ahead takes that read instead."""
    if lock:
        preloaded: Loaded = tx.batch.take(_PRELOADED, order_no)
        if preloaded is not MISSING:
            return preloaded
    if with_lines:
        assert lock, "the lines come with the locked read"
        row = await _READ_MANY_LOCKED_WITH_LINES.fetchrow(tx.session, order_nos=[order_no])
    else:
        row = await (_READ_LOCKED if lock else _READ_PLAIN).fetchrow(tx.session, order_no=order_no)
    return None if row is None else _loaded(row, with_lines)


def _loaded(row: Any, with_lines: bool) -> Loaded:
    order = {k: v for k, v in row.items() if not k.startswith(("saga_", "lines_"))}
    saga = {k.removeprefix("saga_"): v for k, v in row.items() if k.startswith("saga_")}
    saga["order_no"] = order["order_no"]
    lines = None
    if with_lines:
        fields = [row[f"lines_{f}"] or [] for f in _LINE_FIELDS]
        lines = [domain.Line(*values) for values in zip(*fields, strict=True)]
    return Loaded(order, saga, lines)


async def preload(session: AsyncSession, order_nos: Iterable[str]) -> None:
    """Read (and lock, in order number order) the orders a consumer batch's handlers are about to load, with
    their lines, in one statement. Each is handed to the first handler of a message about that order
    (its first locked `load`; the batch's key is the order, see sales.consumers): a second message about the same
    order in the batch reads it again, and sees what the first one changed."""
    rows = await _READ_MANY_LOCKED_WITH_LINES.fetch(session, order_nos=sorted(set(order_nos)))
    Batch.of(session).put(_PRELOADED, {row["order_no"]: _loaded(row, True) for row in rows})


async def set_status(
    tx: SalesUnit,
    o: Loaded,
    to: str,
    *,
    reason: str | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    if values:
        history = status_change(tx, o, to, reason, values)
        await tx.session.execute(
            update(orders).where(orders.c.order_no == o.no).values(status=to, updated_at=tx.now, **values)
        )
        await tx.session.execute(insert(order_status_history).values(**history))
    else:
        await _TRANSITION.defer(tx.session, **status_change(tx, o, to, reason))


def status_change(
    tx: SalesUnit, o: Loaded, to: str, reason: str | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check and apply a transition in memory and publish it; returns the history row, for the caller to write
    (with the order's new status) in its statement."""
    domain.check_transition(o.status, to)
    before = o.status
    o.order.update({"status": to, "updated_at": tx.now, **(values or {})})
    tx.publish(
        OrderStatusChanged(
            order_no=o.no, customer_code=o.customer, from_status=before, to_status=to, reason=reason, at=tx.now
        )
    )
    return {"order_no": o.no, "from_status": before, "to_status": to, "reason": reason, "actor": tx.actor, "at": tx.now}


async def lines_of(tx: SalesUnit, order_no: str) -> list[domain.Line]:
    return [to_line(r) for r in await _LINES.fetch(tx.session, order_no=order_no)]


def to_line(row: Any) -> domain.Line:
    return domain.Line(row["line_no"], row["sku"], row["qty"], row["unit_price"], row["discount"], row["tax_rate"])


def line_values(order_no: str, lines: Iterable[domain.Line]) -> list[dict[str, Any]]:
    return [
        {
            "order_no": order_no,
            "line_no": x.line_no,
            "sku": x.sku,
            "qty": x.qty,
            "unit_price": x.unit_price,
            "discount": x.discount,
            "tax_rate": x.tax_rate,
            "net": x.net,
            "tax": x.tax,
        }
        for x in lines
    ]


def line_json(lines: Iterable[domain.Line]) -> list[dict[str, Any]]:
    return [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items() if k != "order_no"}
        for row in line_values("", lines)
    ]


def lines_from_json(items: Sequence[dict[str, Any]]) -> list[domain.Line]:
    return [
        domain.Line(
            int(i["line_no"]),
            str(i["sku"]),
            Decimal(i["qty"]),
            Decimal(i["unit_price"]),
            Decimal(i["discount"]),
            Decimal(i["tax_rate"]),
        )
        for i in items
    ]


def contract_lines(lines: Iterable[domain.Line]) -> list[OrderLine]:
    return [
        OrderLine(
            line_no=x.line_no,
            sku=x.sku,
            qty=x.qty,
            unit_price=x.unit_price,
            discount=x.discount,
            tax_rate=x.tax_rate,
        )
        for x in lines
    ]


def stock_lines(lines: Iterable[domain.Line]) -> list[StockLine]:
    return [StockLine(line_no=x.line_no, sku=x.sku, qty=x.qty) for x in lines]


def first_states(path: Sequence[str]) -> list[tuple[str | None, str]]:
    """A new order's first transitions, checked (it is inserted directly in the last of them)."""
    pairs: list[tuple[str | None, str]] = []
    before: str | None = None
    for to in path:
        domain.check_transition(before, to)
        pairs.append((before, to))
        before = to
    return pairs


def publish_first_states(tx: SalesUnit, o: Loaded, pairs: Sequence[tuple[str | None, str]]) -> None:
    """`OrderStatusChanged` for each of a new order's first transitions (once the order is written)."""
    for before, to in pairs:
        tx.publish(
            OrderStatusChanged(
                order_no=o.no, customer_code=o.customer, from_status=before, to_status=to, reason=None, at=tx.now
            )
        )

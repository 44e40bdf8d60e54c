"""Reservation storage: the per-order header (the lock that serializes everything done to one order's
reservation) and the reservation rows per (order, line, warehouse).

Lock order, everywhere: order headers (by order_no) → stock rows (by sku, warehouse). Never the reverse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, delete, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import ReservedLine
from contracts.sales import ReserveStock
from inventory import domain
from inventory.db import order_reservations, reservations
from inventory.stock import StockBook
from servicekit.fastsql import Statement
from servicekit.unit import MISSING, Batch, Slot

# The reservation path's statements, built once (see servicekit.fastsql).
_ORDER_NOS = bindparam("order_nos", type_=ARRAY(String))
# Create missing headers and lock all of them in one statement: ON CONFLICT DO UPDATE locks an existing row
# (as FOR UPDATE would) and returns it; a new row is returned locked too.
_CREATE_AND_LOCK_HEADERS = Statement(
    text(
        "INSERT INTO order_reservations AS h (order_no, warehouse_code, priority, placed_at) "
        "SELECT o, :warehouse_code, :priority, :placed_at FROM unnest(CAST(:order_nos AS varchar[])) AS o "
        "ORDER BY o ON CONFLICT (order_no) DO UPDATE SET order_no = h.order_no RETURNING h.*"
    )
)
# A consumer batch's reservation commands: their headers created where missing and locked, in one sorted pass
# (see `lock_headers_of`).
_CREATE_AND_LOCK_MANY = Statement(
    text(
        "INSERT INTO order_reservations AS h (order_no, warehouse_code, priority, placed_at) "
        "SELECT * FROM unnest(CAST(:order_nos AS varchar[]), CAST(:warehouses AS varchar[]),"
        " CAST(:priorities AS int[]), CAST(:placed AS timestamptz[])) ORDER BY 1 "
        "ON CONFLICT (order_no) DO UPDATE SET order_no = h.order_no RETURNING h.order_no"
    )
)
_LOCKED: Slot[set[str]] = Slot("inventory.headers_locked")  # by the batch's preparation
_LOCK_HEADERS = Statement(
    select(order_reservations)
    .where(order_reservations.c.order_no == any_(_ORDER_NOS))
    .order_by(order_reservations.c.order_no)
    .with_for_update()
)
_HELD = Statement(
    select(reservations)
    .where(reservations.c.order_no == any_(_ORDER_NOS))
    .order_by(reservations.c.line_no, reservations.c.warehouse_code)
)
# A reservation's rows in one statement; one row per (line, warehouse), as a row may not be upserted twice in it.
# Its parameters come from `takes`.
ADD_TAKES_SQL = (
    "INSERT INTO reservations AS r (order_no, line_no, sku, warehouse_code, qty)"
    " SELECT :order_no, x.* FROM unnest(CAST(:take_lines AS int[]), CAST(:take_skus AS varchar[]),"
    " CAST(:take_warehouses AS varchar[]), CAST(:take_qtys AS numeric[])) AS x"
    " ON CONFLICT ON CONSTRAINT pk_reservations DO UPDATE SET qty = r.qty + excluded.qty, sku = excluded.sku"
)
_ADD_TAKES = Statement(text(ADD_TAKES_SQL))
_TOUCH = Statement(
    update(order_reservations)
    .where(order_reservations.c.order_no == bindparam("o_no"))
    .values(updated_at=bindparam("at"))
)
_HEADER = ("priority", "placed_at", "warehouse_code")
_TOUCH_HEADER = Statement(
    update(order_reservations)
    .where(order_reservations.c.order_no == bindparam("o_no"))
    .values(updated_at=bindparam("at"), **{k: bindparam(k) for k in _HEADER})
)


@dataclass
class Held:
    line_no: int
    sku: str
    warehouse_code: str
    qty: Decimal


async def lock_orders(
    session: AsyncSession, order_nos: Iterable[str], *, create: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Lock the headers of these orders (sorted); with `create` (priority, placed_at, warehouse_code), a missing
    header is made from it."""
    wanted = sorted(set(order_nos))
    if create is not None:
        rows = await _CREATE_AND_LOCK_HEADERS.fetch(session, order_nos=wanted, **create)
    else:
        rows = await _LOCK_HEADERS.fetch(session, order_nos=wanted)
    return {r["order_no"]: SimpleNamespace(**dict(r.items())) for r in rows}


async def lock_headers_of(session: AsyncSession, commands: Sequence[ReserveStock]) -> None:
    """Before a batch's handlers: create (from its first command) and lock the header of every order the batch
    reserves for, in one statement. The lock is what their handlers need first; it holds until the batch commits,
    so a handler finding its order's header locked here (`header_locked`) skips that step."""
    first: dict[str, ReserveStock] = {}
    for c in commands:
        first.setdefault(c.order_no, c)  # a header may not be upserted twice in one statement
    order_nos = sorted(first)
    rows = await _CREATE_AND_LOCK_MANY.fetch(
        session,
        order_nos=order_nos,
        warehouses=[first[o].warehouse_code for o in order_nos],
        priorities=[first[o].priority for o in order_nos],
        placed=[first[o].placed_at for o in order_nos],
    )
    Batch.of(session).setdefault(_LOCKED, set).update(r["order_no"] for r in rows)


def header_locked(session: AsyncSession, order_no: str) -> bool:
    return order_no in (Batch.of(session).get(_LOCKED) or ())


async def held_by(session: AsyncSession, order_nos: Iterable[str]) -> dict[str, list[Held]]:
    wanted = sorted(set(order_nos))
    if len(wanted) == 1:  # a handler's own order: its batch may have read it ahead (see `read_ahead`)
        ahead = Batch.of(session).take(_AHEAD_KIND, wanted[0])
        if ahead is not MISSING:
            return {wanted[0]: ahead} if ahead else {}
    return await _held(session, wanted)


async def read_ahead(session: AsyncSession, order_nos: Iterable[str]) -> None:
    """A batch's orders' reservation rows in one statement, for their handlers' `held_by`."""
    wanted = sorted(set(order_nos))
    held = await _held(session, wanted)
    Batch.of(session).put(_AHEAD_KIND, {o: held.get(o, []) for o in wanted})


async def _held(session: AsyncSession, order_nos: list[str]) -> dict[str, list[Held]]:
    rows = await _HELD.fetch(session, order_nos=order_nos)
    result: dict[str, list[Held]] = defaultdict(list)
    for r in rows:
        result[r["order_no"]].append(Held(r["line_no"], r["sku"], r["warehouse_code"], r["qty"]))
    return result


_AHEAD_KIND = "reservations"


def outstanding(wanted: Iterable[tuple[int, str, Decimal]], held: Sequence[Held]) -> list[domain.Need]:
    """What is still missing per line: wanted minus already held for that line and sku (never negative)."""
    have: dict[tuple[int, str], Decimal] = defaultdict(lambda: domain.ZERO)
    for h in held:
        have[(h.line_no, h.sku)] += h.qty
    return [domain.Need(line_no, sku, max(domain.ZERO, qty - have[(line_no, sku)])) for line_no, sku, qty in wanted]


async def add_takes(session: AsyncSession, book: StockBook, order_no: str, takes: Sequence[domain.Take]) -> None:
    """Reserve allocated stock: the stock rows (already locked in `book`) and the reservation rows."""
    if takes:
        await _ADD_TAKES.execute(session, order_no=order_no, **take(book, takes))


def take(book: StockBook, takes: Sequence[domain.Take]) -> dict[str, list[Any]]:
    """Reserve allocated stock in `book` (its rows locked); returns the reservation rows as the parameters of
    `ADD_TAKES_SQL` (with `order_no`), for the caller to write."""
    for t in takes:
        book.reserve(t.sku, t.warehouse_code, t.qty)
    rows: dict[tuple[int, str], list[Any]] = {}
    for t in takes:  # one row per (line, warehouse)
        row = rows.setdefault((t.line_no, t.warehouse_code), [t.sku, domain.ZERO])
        row[0], row[1] = t.sku, row[1] + t.qty
    return {
        "take_lines": [line_no for line_no, _ in rows],
        "take_skus": [sku for sku, _ in rows.values()],
        "take_warehouses": [wh for _, wh in rows],
        "take_qtys": [qty for _, qty in rows.values()],
    }


async def remove(session: AsyncSession, book: StockBook, order_no: str, held: Sequence[Held]) -> None:
    """Release these reservation rows entirely (their stock rows must be locked in `book`)."""
    if not held:
        return
    for h in held:
        book.release(h.sku, h.warehouse_code, h.qty)
    await session.execute(
        delete(reservations).where(
            (reservations.c.order_no == order_no)
            & tuple_(reservations.c.line_no, reservations.c.warehouse_code).in_(
                [(h.line_no, h.warehouse_code) for h in held]
            )
        )
    )


async def reduce(session: AsyncSession, book: StockBook, order_no: str, held: Held, qty: Decimal) -> None:
    """Release `qty` of one reservation row (all of it when qty >= its quantity)."""
    book.release(held.sku, held.warehouse_code, min(qty, held.qty))
    await shrink(session, order_no, held, qty)


async def shrink(session: AsyncSession, order_no: str, held: Held, qty: Decimal) -> None:
    """Take `qty` off one reservation row (deleting it when nothing is left); stock rows are the caller's."""
    where = (
        (reservations.c.order_no == order_no)
        & (reservations.c.line_no == held.line_no)
        & (reservations.c.warehouse_code == held.warehouse_code)
    )
    if qty >= held.qty:
        await session.execute(delete(reservations).where(where))
    else:
        await session.execute(reservations.update().where(where).values(qty=reservations.c.qty - qty))


def merged(held: Sequence[Held], takes: Sequence[domain.Take] = (), dropped: Sequence[Held] = ()) -> list[Held]:
    """The reservation after adding `takes` and removing `dropped` (for replies, without re-reading)."""
    qty: dict[tuple[int, str, str], Decimal] = defaultdict(lambda: domain.ZERO)
    for h in held:
        qty[(h.line_no, h.sku, h.warehouse_code)] += h.qty
    for d in dropped:
        qty[(d.line_no, d.sku, d.warehouse_code)] -= d.qty
    for t in takes:
        qty[(t.line_no, t.sku, t.warehouse_code)] += t.qty
    return [Held(ln, sku, wh, q) for (ln, sku, wh), q in sorted(qty.items()) if q > 0]


def as_lines(held: Sequence[Held]) -> list[ReservedLine]:
    return [ReservedLine(line_no=h.line_no, sku=h.sku, warehouse_code=h.warehouse_code, qty=h.qty) for h in held]


async def touch(session: AsyncSession, order_no: str, now: datetime, **values: Any) -> None:
    if not values:
        await _TOUCH.execute(session, o_no=order_no, at=now)
        return
    if set(values) == set(_HEADER):
        await _TOUCH_HEADER.execute(session, o_no=order_no, at=now, **values)
        return
    await session.execute(
        order_reservations.update().where(order_reservations.c.order_no == order_no).values(updated_at=now, **values)
    )

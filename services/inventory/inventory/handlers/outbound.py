"""Outbound orders (出库单, DO-): created for confirmed orders from their reservations (one per warehouse),
picked by barcode scans, shipped one by one or in a batch (one transaction, all or nothing), delivered.

Lock order: outbound orders (by do_no) → order headers → stock rows."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import StockLine
from contracts.inventory import (
    OutboundOrderCancelled,
    OutboundOrderCreated,
    OutboundOrderPicked,
    OutboundOrderUnpicked,
    StockReleased,
)
from contracts.sales import OrderCancelled, OrderConfirmed, OrderVoided
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import kit, outbound_lines, outbound_orders, product_barcodes
from inventory.handlers import holdings
from inventory.handlers.reservations import release_order
from servicekit import audit
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.fastsql import Statement
from servicekit.numbering import take_number
from servicekit.unit import MISSING, Batch

log = logging.getLogger(__name__)
OPEN = ("created", "picking", "packed")

# Run for every confirmed order: built once (see servicekit.fastsql).
# The outbound orders of some orders, locked (a batch's, read ahead, or one order's).
_EXISTING = Statement(
    select(outbound_orders)
    .where(outbound_orders.c.order_no == any_(bindparam("order_nos", type_=ARRAY(String))))
    .order_by(outbound_orders.c.do_no)
    .with_for_update()
)
_AHEAD_KIND = "outbound_orders"


async def read_ahead(session: AsyncSession, confirmed: Sequence[OrderConfirmed]) -> None:
    """A batch's confirmed orders' existing outbound orders, locked, in one statement (for `on_order_confirmed`).
    Outbound orders come first in the lock order: call it before anything locks order headers."""
    order_nos = sorted({m.order_no for m in confirmed})
    found: dict[str, list[SimpleNamespace]] = {o: [] for o in order_nos}
    for r in await _EXISTING.fetch(session, order_nos=order_nos):
        found[r["order_no"]].append(SimpleNamespace(**dict(r.items())))
    Batch.of(session).put(_AHEAD_KIND, found)


# An outbound order (its number drawn ahead) and its lines in one statement: deferred in a consumer batch.
_NEW_ORDER = Statement(
    text(
        "WITH d AS (INSERT INTO outbound_orders (do_no, order_no, revision, warehouse_code, status, priority, ship_to,"
        " created_at) VALUES (:do_no, :order_no, :revision, :warehouse_code, 'created', :priority,"
        " CAST(:ship_to AS jsonb), :created_at) RETURNING do_no)"
        " INSERT INTO outbound_lines (do_no, line_no, sku, qty) SELECT d.do_no, x.* FROM d,"
        " unnest(CAST(:line_nos AS int[]), CAST(:skus AS varchar[]), CAST(:qtys AS numeric[])) AS x"
    )
)


async def on_order_confirmed(unit: InventoryUnit, msg: OrderConfirmed) -> None:
    session, now = unit.session, unit.now
    existing = Batch.of(session).take(_AHEAD_KIND, msg.order_no)
    if existing is MISSING:
        rows = await _EXISTING.fetch(session, order_nos=[msg.order_no])
        existing = [SimpleNamespace(**dict(r.items())) for r in rows]
    if any(d.revision >= msg.revision for d in existing):
        return  # already created for this revision (or a newer one)
    for old in existing:
        if old.status in OPEN:  # an amended order: its earlier outbound orders are replaced
            await _cancel(unit, old, "order amended")
    held = (await holdings.held_by(session, [msg.order_no])).get(msg.order_no, [])
    if not held:
        log.warning("order %s confirmed with nothing reserved: no outbound order", msg.order_no)
        return
    by_wh: dict[str, dict[int, tuple[str, Decimal]]] = defaultdict(dict)
    for h in held:
        sku, qty = by_wh[h.warehouse_code].get(h.line_no, (h.sku, domain.ZERO))
        by_wh[h.warehouse_code][h.line_no] = (sku, qty + h.qty)
    ship_to = msg.ship_to.model_dump_json() if msg.ship_to else None
    for wh in sorted(by_wh):
        lines = [StockLine(line_no=n, sku=s, qty=q) for n, (s, q) in sorted(by_wh[wh].items())]
        do_no = await take_number(session, "DO", now)  # drawn ahead: the insert can wait for the batch's end
        await _NEW_ORDER.defer(
            session,
            do_no=do_no,
            order_no=msg.order_no,
            revision=msg.revision,
            warehouse_code=wh,
            priority=msg.priority,
            ship_to=ship_to,
            created_at=now,
            line_nos=[x.line_no for x in lines],
            skus=[x.sku for x in lines],
            qtys=[x.qty for x in lines],
        )
        unit.publish(
            OutboundOrderCreated(
                do_no=do_no,
                order_no=msg.order_no,
                warehouse_code=wh,
                lines=lines,
                priority=msg.priority,
                ship_to=msg.ship_to,
                created_at=now,
            )
        )


async def _cancel(unit: InventoryUnit, do: Any, reason: str) -> None:
    domain.OUTBOUND.check(do.status, "cancelled")
    now = unit.now
    await unit.session.execute(
        outbound_orders.update()
        .where(outbound_orders.c.do_no == do.do_no)
        .values(status="cancelled", cancel_reason=reason, cancelled_at=now)
    )
    unit.publish(OutboundOrderCancelled(do_no=do.do_no, order_no=do.order_no, reason=reason, cancelled_at=now))


async def on_order_cancelled(unit: InventoryUnit, msg: OrderCancelled) -> None:
    """Cancel what has not left the warehouse and release the reservation (ReleaseStock may also come)."""
    await _withdraw(unit, msg.order_no, f"order cancelled: {msg.reason}", msg.reason)


async def on_order_voided(unit: InventoryUnit, msg: OrderVoided) -> None:
    """A voided (shipped) order: what has not left the warehouse is cancelled and what it holds released; the
    goods shipped stay shipped (they come back by a return)."""
    await _withdraw(unit, msg.order_no, f"order voided: {msg.reason}", f"order voided: {msg.reason}")


async def _withdraw(unit: InventoryUnit, order_no: str, why: str, reason: str) -> None:
    session, now = unit.session, unit.now
    open_dos = (
        await session.execute(
            select(outbound_orders)
            .where((outbound_orders.c.order_no == order_no) & outbound_orders.c.status.in_(OPEN))
            .order_by(outbound_orders.c.do_no)
            .with_for_update()
        )
    ).all()
    for do in open_dos:
        await _cancel(unit, do, why)
    released = await release_order(unit, order_no, None)
    if released:
        unit.publish(
            StockReleased(order_no=order_no, lines=holdings.as_lines(released), reason=reason, released_at=now)
        )


async def lock_outbound(session: AsyncSession, do_nos: Sequence[str]) -> dict[str, Any]:
    rows = (
        await session.execute(
            select(outbound_orders)
            .where(outbound_orders.c.do_no.in_(sorted(set(do_nos))))
            .order_by(outbound_orders.c.do_no)
            .with_for_update()
        )
    ).all()
    found = {r.do_no: r for r in rows}
    for do_no in do_nos:
        if do_no not in found:
            raise NotFoundError("outbound order", do_no)
    return found


async def lines_of(session: AsyncSession, do_nos: Sequence[str]) -> dict[str, list[Any]]:
    rows = await session.execute(
        select(outbound_lines).where(outbound_lines.c.do_no.in_(list(do_nos))).order_by(outbound_lines.c.line_no)
    )
    result: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        result[r.do_no].append(r)
    return result


async def scan(unit: InventoryUnit, actor: str, do_no: str, barcode: str) -> None:
    """One scan = one unit picked on the line of the scanned product."""
    session = unit.session
    do = (await lock_outbound(session, [do_no]))[do_no]
    if do.status not in OPEN:
        raise DomainError("invalid_state", f"outbound order {do_no} is {do.status}; it cannot be picked")
    sku = await session.scalar(select(product_barcodes.c.sku).where(product_barcodes.c.barcode == barcode))
    if sku is None:
        raise InputError("barcode", f"unknown barcode {barcode}")
    lines = (await lines_of(session, [do_no]))[do_no]
    mine = [x for x in lines if x.sku == sku]
    if not mine:
        raise DomainError("wrong_item", f"{sku} (barcode {barcode}) is not on {do_no}", sku=sku, barcode=barcode)
    line = next((x for x in mine if x.picked_qty < x.qty), None)
    if line is None:
        raise DomainError("over_pick", f"{sku} is already fully picked on {do_no}", sku=sku, barcode=barcode)
    await session.execute(
        outbound_lines.update()
        .where((outbound_lines.c.do_no == do_no) & (outbound_lines.c.line_no == line.line_no))
        .values(picked_qty=outbound_lines.c.picked_qty + 1)
    )
    done = all(x.picked_qty + (1 if x is line else 0) >= x.qty for x in lines)
    await set_status(session, do_no, "packed" if done else "picking")
    _picking_began(unit, actor, do)
    await audit.record(
        session, kit, actor=actor, entity="outbound_order", entity_id=do_no, action="scanned",
        after={"barcode": barcode, "sku": sku, "line_no": line.line_no},
    )  # fmt: skip


async def pick_all(unit: InventoryUnit, actor: str, do_no: str) -> None:
    """Confirm the whole order as picked and packed (for a warehouse that does not scan)."""
    session = unit.session
    do = (await lock_outbound(session, [do_no]))[do_no]
    domain_check(do.status, "packed")
    await session.execute(
        outbound_lines.update().where(outbound_lines.c.do_no == do_no).values(picked_qty=outbound_lines.c.qty)
    )
    await set_status(session, do_no, "packed")
    await audit.record(session, kit, actor=actor, entity="outbound_order", entity_id=do_no, action="picked_all")
    _picking_began(unit, actor, do)


def _picking_began(unit: InventoryUnit, actor: str, do: Any) -> None:
    """The first pick of an outbound order tells sales: the order is no longer editable."""
    if do.status == "created":
        picked = OutboundOrderPicked(do_no=do.do_no, order_no=do.order_no, picked_by=actor, picked_at=unit.now)
        unit.publish(picked, correlation_id=do.order_no)


async def unpick(unit: InventoryUnit, actor: str, do_no: str, reason: str) -> None:
    """Put an outbound order's picked goods back on the shelves: it is `created` again (the reservation is
    unchanged, the goods never left the warehouse), audited with what was put back; sales may then edit the
    order."""
    session = unit.session
    do = (await lock_outbound(session, [do_no]))[do_no]
    if do.status not in ("picking", "packed"):
        raise DomainError(
            "not_picked", f"outbound order {do_no} is {do.status}: nothing to un-pick", current_status=do.status
        )
    domain.OUTBOUND.check(do.status, "created")
    lines = (await lines_of(session, [do_no]))[do_no]
    back = [StockLine(line_no=x.line_no, sku=x.sku, qty=x.picked_qty) for x in lines if x.picked_qty > 0]
    await session.execute(outbound_lines.update().where(outbound_lines.c.do_no == do_no).values(picked_qty=0))
    await set_status(session, do_no, "created")
    await audit.record(
        session, kit, actor=actor, entity="outbound_order", entity_id=do_no, action="unpicked",
        before={"status": do.status, "picked": {str(x.line_no): str(x.qty) for x in back}},
        after={"status": "created", "reason": reason},
    )  # fmt: skip
    unpicked = OutboundOrderUnpicked(
        do_no=do_no, order_no=do.order_no, lines=back, reason=reason, unpicked_by=actor, unpicked_at=unit.now
    )
    unit.publish(unpicked, correlation_id=do.order_no)


def domain_check(state: str, target: str) -> None:
    try:
        domain.OUTBOUND.check(state, target)
    except domain.TransitionError as exc:
        code = "not_packed" if target == "shipped" else "invalid_state"
        if state == target or (target == "shipped" and state in ("shipped", "delivered")):
            code = f"already_{state}"
        raise DomainError(code, str(exc), current_status=state) from exc


async def set_status(session: AsyncSession, do_no: str, status: str, **values: Any) -> None:
    await session.execute(
        outbound_orders.update().where(outbound_orders.c.do_no == do_no).values(status=status, **values)
    )


async def search(
    session: AsyncSession, filters: dict[str, str], limit: int, offset: int = 0, statuses: Sequence[str] = ()
) -> list[dict[str, Any]]:
    query = select(outbound_orders.c.do_no).order_by(outbound_orders.c.do_no.desc()).limit(limit).offset(offset)
    for name, value in filters.items():
        query = query.where(outbound_orders.c[name] == value)
    if statuses:
        query = query.where(outbound_orders.c.status.in_(list(statuses)))
    return await read(session, list(await session.scalars(query)))


async def read(session: AsyncSession, do_nos: Sequence[str]) -> list[dict[str, Any]]:
    rows = (await session.execute(select(outbound_orders).where(outbound_orders.c.do_no.in_(list(do_nos))))).mappings()
    lines = await lines_of(session, do_nos)
    found = {r["do_no"]: dict(r) for r in rows}
    return [
        {
            **found[d],
            "lines": [
                {"line_no": x.line_no, "sku": x.sku, "qty": x.qty, "picked_qty": x.picked_qty} for x in lines.get(d, [])
            ],
        }
        for d in do_nos
        if d in found
    ]

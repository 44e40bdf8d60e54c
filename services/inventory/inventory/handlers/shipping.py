"""Shipping (出库发货): one outbound order or a batch in one transaction, all or nothing; delivery sign-off.

Shipping commits the reservation: on-hand and reserved fall together, a `shipment` movement is written at
the moving-average cost, and StockCommitted + ShipmentDispatched are emitted for each outbound order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contracts.common import ReservedLine
from contracts.inventory import ShipmentDelivered, ShipmentDispatched, ShippedLine, StockCommitted
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import kit
from inventory.handlers import holdings
from inventory.handlers.outbound import domain_check, lines_of, lock_outbound, set_status
from inventory.stock import StockBook
from servicekit import audit
from servicekit.errors import DomainError


@dataclass(frozen=True)
class ShipItem:
    do_no: str
    carrier: str
    tracking_no: str | None


async def ship(unit: InventoryUnit, actor: str, items: Sequence[ShipItem], batch_no: str | None) -> list[str]:
    """Ship outbound orders in one transaction: each one's reservation is committed (on-hand and reserved
    fall, a `shipment` movement at moving-average cost), StockCommitted and ShipmentDispatched emitted.
    Any refusal refuses the whole batch."""
    session = unit.session
    do_nos = [i.do_no for i in items]
    if len(set(do_nos)) != len(do_nos):
        raise DomainError("duplicate_do", "an outbound order is listed twice")
    dos = await lock_outbound(session, do_nos)
    for do in dos.values():
        domain_check(do.status, "shipped")
    lines = await lines_of(session, do_nos)
    order_nos = {d.order_no for d in dos.values()}
    await holdings.lock_orders(session, order_nos)
    held = await holdings.held_by(session, order_nos)
    book = StockBook.of(unit)  # what shipping publishes is correlated by each message's key (its order, its sku)
    await book.lock({(x.sku, dos[d].warehouse_code) for d, xs in lines.items() for x in xs})
    for item in items:
        await _ship_one(unit, book, dos[item.do_no], lines[item.do_no], held, item, batch_no, actor)
    await book.flush()
    return do_nos


async def _ship_one(
    unit: InventoryUnit,
    book: StockBook,
    do: Any,
    lines: Sequence[Any],
    held: dict[str, list[holdings.Held]],
    item: ShipItem,
    batch_no: str | None,
    actor: str,
) -> None:
    session, now = unit.session, unit.now
    committed: list[ReservedLine] = []
    shipped: list[ShippedLine] = []
    wh = do.warehouse_code
    for x in lines:
        rows = [h for h in held.get(do.order_no, []) if h.line_no == x.line_no and h.warehouse_code == wh]
        take = min(x.qty, sum((h.qty for h in rows), domain.ZERO))
        remaining = take
        for h in rows:
            part = min(h.qty, remaining)
            if part > 0:
                await holdings.shrink(session, do.order_no, h, part)
                h.qty -= part
                remaining -= part
        cost = book.row(x.sku, wh).avg_cost  # the cost the goods leave with (a return comes back at it)
        row = book.move(x.sku, wh, -x.qty, "shipment", unreserve=take, reference=do.do_no, unit_cost=cost, actor=actor)
        if take > 0:
            committed.append(ReservedLine(line_no=x.line_no, sku=x.sku, warehouse_code=wh, qty=take))
        shipped.append(ShippedLine(line_no=x.line_no, sku=x.sku, qty=x.qty, unit_cost=row.avg_cost))
    await set_status(
        session, do.do_no, "shipped", carrier=item.carrier, tracking_no=item.tracking_no, batch_no=batch_no,
        shipped_at=now,
    )  # fmt: skip
    if committed:
        unit.publish(StockCommitted(order_no=do.order_no, do_no=do.do_no, lines=committed, committed_at=now))
    unit.publish(
        ShipmentDispatched(
            do_no=do.do_no,
            order_no=do.order_no,
            warehouse_code=wh,
            carrier=item.carrier,
            tracking_no=item.tracking_no,
            batch_no=batch_no,
            lines=shipped,
            shipped_at=now,
        )
    )
    await audit.record(
        session, kit, actor=actor, entity="outbound_order", entity_id=do.do_no, action="shipped",
        before={"status": do.status},
        after={"status": "shipped", "carrier": item.carrier, "tracking_no": item.tracking_no, "batch_no": batch_no},
    )  # fmt: skip


async def deliver(unit: InventoryUnit, actor: str, do_no: str, signed_by: str | None) -> None:
    session, now = unit.session, unit.now
    do = (await lock_outbound(session, [do_no]))[do_no]
    domain_check(do.status, "delivered")
    await set_status(session, do_no, "delivered", delivered_at=now, signed_by=signed_by)
    unit.publish(
        ShipmentDelivered(do_no=do_no, order_no=do.order_no, signed_by=signed_by, delivered_at=now),
        correlation_id=do.order_no,
    )
    await audit.record(
        session, kit, actor=actor, entity="outbound_order", entity_id=do_no, action="delivered",
        before={"status": do.status}, after={"status": "delivered", "signed_by": signed_by},
    )  # fmt: skip

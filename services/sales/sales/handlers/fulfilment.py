"""After confirmation: outbound orders, dispatches, deliveries, invoices and payments move the order along
confirmed → partially_shipped/shipped → delivered → invoiced → paid → closed. Each event is recorded as a
fact first (idempotently, by document number); then the order advances as far as the facts allow."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.finance import InvoiceIssued, OrderSettled, PaymentAllocated
from contracts.inventory import (
    OutboundOrderCreated,
    OutboundOrderPicked,
    OutboundOrderUnpicked,
    ShipmentDelivered,
    ShipmentDispatched,
)
from sales import domain
from sales.config import SalesUnit
from sales.db import invoices, order_lines, orders, shipments
from sales.store import Loaded, load, set_status
from servicekit.fastsql import Statement
from servicekit.unit import Batch, Slot

_FACTS = text(
    """
    SELECT
      (SELECT coalesce(bool_and(shipped_qty >= qty), false) FROM order_lines WHERE order_no = :o) AS fully,
      (SELECT coalesce(bool_or(shipped_qty > 0), false) FROM order_lines WHERE order_no = :o) AS any,
      (SELECT count(*) FROM shipments WHERE order_no = :o AND shipped_at IS NOT NULL) AS shipped_n,
      (SELECT count(*) FROM shipments WHERE order_no = :o AND shipped_at IS NOT NULL
          AND delivered_at IS NOT NULL) AS delivered_n,
      (SELECT count(*) FROM shipments s WHERE s.order_no = :o AND s.shipped_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM invoices i WHERE i.do_no = s.do_no)) AS invoiced_n,
      (SELECT count(*) FROM invoices WHERE order_no = :o) AS invoices_n,
      (SELECT count(*) FROM invoices WHERE order_no = :o AND outstanding > 0) AS open_n
    """
)


async def advance(tx: SalesUnit, o: Loaded) -> None:
    if o.status not in domain.FULFILMENT_PATH:
        return
    f = (await tx.session.execute(_FACTS, {"o": o.no})).one()
    settled = bool(o.order["settled"])
    all_invoiced = f.fully and (settled or (f.shipped_n > 0 and f.invoiced_n == f.shipped_n))
    facts = domain.Fulfilment(
        fully_shipped=f.fully,
        any_shipped=f.any,
        all_delivered=f.fully and f.shipped_n > 0 and f.delivered_n == f.shipped_n,
        all_invoiced=all_invoiced,
        all_paid=all_invoiced and (settled or (f.invoices_n > 0 and f.open_n == 0)),
    )
    for status in domain.fulfilment_steps(o.status, facts):
        await set_status(tx, o, status)


# New outbound orders in one statement: a batch's (see sales.consumers; their handlers have nothing left to write)
# or one.
_OUTBOUND_CREATED_MANY = Statement(
    text(
        "INSERT INTO shipments AS s (do_no, order_no, warehouse_code, created_at)"
        " SELECT * FROM unnest(CAST(:do_nos AS varchar[]), CAST(:order_nos AS varchar[]),"
        " CAST(:warehouses AS varchar[]), CAST(:created AS timestamptz[]))"
        " ON CONFLICT (do_no) DO UPDATE SET created_at = excluded.created_at"
    )
)
_RECORDED: Slot[set[str]] = Slot("sales.outbound_orders_recorded")  # by the batch's preparation


async def record_outbound_created(session: AsyncSession, messages: Sequence[OutboundOrderCreated]) -> None:
    latest = {m.do_no: m for m in messages}  # one row per outbound order (an upsert may not touch a row twice)
    await _OUTBOUND_CREATED_MANY.execute(
        session,
        do_nos=list(latest),
        order_nos=[m.order_no for m in latest.values()],
        warehouses=[m.warehouse_code for m in latest.values()],
        created=[m.created_at for m in latest.values()],
    )
    Batch.of(session).setdefault(_RECORDED, set).update(latest)


async def outbound_created(tx: SalesUnit, msg: OutboundOrderCreated) -> None:
    if msg.do_no not in (tx.batch.get(_RECORDED) or ()):  # else written with its batch
        await record_outbound_created(tx.session, [msg])


async def outbound_picked(tx: SalesUnit, msg: OutboundOrderPicked) -> None:
    """Goods of the order are off the shelves: it cannot be edited until the warehouse un-picks."""
    stmt = insert(shipments).values(do_no=msg.do_no, order_no=msg.order_no, picked_at=msg.picked_at)
    await tx.session.execute(
        stmt.on_conflict_do_update(index_elements=[shipments.c.do_no], set_={"picked_at": msg.picked_at})
    )


async def outbound_unpicked(tx: SalesUnit, msg: OutboundOrderUnpicked) -> None:
    await tx.session.execute(update(shipments).where(shipments.c.do_no == msg.do_no).values(picked_at=None))


async def shipment_dispatched(tx: SalesUnit, msg: ShipmentDispatched) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    stmt = insert(shipments).values(
        do_no=msg.do_no,
        order_no=msg.order_no,
        warehouse_code=msg.warehouse_code,
        shipped_at=msg.shipped_at,
        carrier=msg.carrier,
        tracking_no=msg.tracking_no,
    )
    first = await tx.session.scalar(
        stmt.on_conflict_do_update(
            index_elements=[shipments.c.do_no],
            set_={"shipped_at": msg.shipped_at, "carrier": msg.carrier, "tracking_no": msg.tracking_no},
            where=shipments.c.shipped_at.is_(None),
        ).returning(shipments.c.do_no)
    )
    if first is None:  # this outbound order's dispatch was counted already
        return
    await tx.session.execute(
        update(order_lines)
        .where((order_lines.c.order_no == bindparam("o_no")) & (order_lines.c.line_no == bindparam("l_no")))
        .values(shipped_qty=order_lines.c.shipped_qty + bindparam("b_qty")),
        [{"o_no": o.no, "l_no": x.line_no, "b_qty": x.qty} for x in msg.lines],
    )
    await advance(tx, o)


async def shipment_delivered(tx: SalesUnit, msg: ShipmentDelivered) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    stmt = insert(shipments).values(do_no=msg.do_no, order_no=msg.order_no, delivered_at=msg.delivered_at)
    await tx.session.execute(
        stmt.on_conflict_do_update(index_elements=[shipments.c.do_no], set_={"delivered_at": msg.delivered_at})
    )
    await advance(tx, o)


async def invoice_issued(tx: SalesUnit, msg: InvoiceIssued) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    await tx.session.execute(
        insert(invoices)
        .values(
            invoice_no=msg.invoice_no,
            order_no=msg.order_no,
            do_no=msg.do_no,
            gross=msg.totals.gross,
            outstanding=msg.totals.gross,
            status="open",
            issued_at=msg.issued_at,
        )
        .on_conflict_do_nothing()
    )
    await advance(tx, o)


async def payment_allocated(tx: SalesUnit, msg: PaymentAllocated) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    await tx.session.execute(
        update(invoices)
        .where(invoices.c.invoice_no == msg.invoice_no)
        .values(outstanding=msg.invoice_outstanding, status=msg.invoice_status)
    )
    await advance(tx, o)


async def order_settled(tx: SalesUnit, msg: OrderSettled) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    await tx.session.execute(update(orders).where(orders.c.order_no == o.no).values(settled=True))
    o.order["settled"] = True
    await advance(tx, o)

"""Returns (退货, RMA-) of shipped goods: authorized by sales per order line and quantity (never more than shipped
and not yet returned), received and inspected by the warehouse (inventory's `ReturnReceived`: restocked or
scrapped), credited by finance (`CreditNoteIssued` naming the return). The order keeps its status; each step is a
row of its history (status unchanged) and its detail lists its returns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from contracts.finance import CreditNoteIssued
from contracts.inventory import ReturnReceived
from contracts.sales import ReturnAuthorized, ReturnLine
from sales import domain
from sales.config import SalesUnit
from sales.db import invoices, kit, order_lines, order_status_history, return_lines, returns, shipments
from sales.handlers.changes import anything_shipped, load_or_404
from sales.handlers.fulfilment import advance
from sales.store import Loaded, load
from servicekit import audit
from servicekit.documents import with_lines
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number

AUTHORIZED = "authorized"
RECEIVED = "received"
ZERO = Decimal("0")


async def note(tx: SalesUnit, o: Loaded, reason: str) -> None:
    """A row of the order's history that is not a status change (the status stays)."""
    await tx.session.execute(
        insert(order_status_history).values(
            order_no=o.no, from_status=o.status, to_status=o.status, reason=reason, actor=tx.actor, at=tx.now
        )
    )


async def returned_qty(tx: SalesUnit, order_no: str) -> dict[int, Decimal]:
    """What the order's returns took (or will take) back, per line."""
    rows = await tx.session.execute(
        select(return_lines.c.line_no, func.sum(return_lines.c.qty))
        .join(returns, returns.c.return_no == return_lines.c.return_no)
        .where(returns.c.order_no == order_no)
        .group_by(return_lines.c.line_no)
    )
    return {int(n): Decimal(q) for n, q in rows.all()}


async def authorize_return(tx: SalesUnit, order_no: str, wanted: Sequence[tuple[int, Decimal]], reason: str) -> str:
    o = await load_or_404(tx, order_no)
    if not (await anything_shipped(tx, o.no) or o.status in domain.SHIPPED_OR_LATER):
        raise DomainError("order_not_shipped", f"order {o.no} has shipped nothing: there is nothing to return")
    numbers = [n for n, _ in wanted]
    if len(set(numbers)) != len(numbers):
        raise InputError("lines", "a line is listed twice")
    lines = {
        r.line_no: r
        for r in (await tx.session.execute(select(order_lines).where(order_lines.c.order_no == o.no))).all()
    }
    done = await returned_qty(tx, o.no)
    items = []
    for line_no, qty in wanted:
        line = lines.get(line_no)
        if line is None:
            raise InputError("lines", f"order {o.no} has no line {line_no}")
        left = line.shipped_qty - done.get(line_no, ZERO)
        if qty > left:
            raise DomainError(
                "return_exceeds_shipped",
                f"line {line_no}: {qty} to return, but {left} shipped and not yet returned",
                line_no=line_no,
                returnable=str(left),
            )
        items.append(ReturnLine(line_no=line_no, sku=line.sku, qty=qty))
    warehouse = await tx.session.scalar(
        select(shipments.c.warehouse_code)
        .where(shipments.c.order_no == o.no, shipments.c.shipped_at.is_not(None))
        .order_by(shipments.c.shipped_at.desc())
        .limit(1)
    )
    return_no = await next_number(tx.session, kit, "RMA", tx.now)
    await tx.session.execute(
        insert(returns).values(
            return_no=return_no,
            order_no=o.no,
            status=AUTHORIZED,
            reason=reason,
            warehouse_code=warehouse,
            authorized_by=tx.actor,
            authorized_at=tx.now,
        )
    )
    await tx.session.execute(
        insert(return_lines),
        [{"return_no": return_no, "line_no": x.line_no, "sku": x.sku, "qty": x.qty} for x in items],
    )
    what = ", ".join(f"line {x.line_no} × {x.qty}" for x in items)
    await note(tx, o, f"return {return_no} authorized ({what}): {reason}")
    tx.publish(
        ReturnAuthorized(
            return_no=return_no,
            order_no=o.no,
            customer_code=o.customer,
            warehouse_code=warehouse,
            lines=items,
            reason=reason,
            authorized_by=tx.actor,
            authorized_at=tx.now,
        )
    )
    await audit.record(
        tx.session, kit, actor=tx.actor or "system", entity="sales_order", entity_id=o.no, action="return_authorized",
        after={"return_no": return_no, "lines": {str(x.line_no): str(x.qty) for x in items}, "reason": reason},
    )  # fmt: skip
    return return_no


async def return_received(tx: SalesUnit, msg: ReturnReceived) -> None:
    o = await load(tx, msg.order_no)
    if o is None:
        return
    first = await tx.session.scalar(
        update(returns)
        .where(returns.c.return_no == msg.return_no, returns.c.status == AUTHORIZED)
        .values(status=RECEIVED, received_at=msg.received_at)
        .returning(returns.c.return_no)
    )
    if first is None:
        return
    inspected: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"restock": ZERO, "scrap": ZERO})
    for x in msg.lines:
        inspected[x.line_no][x.result] += x.qty
    for line_no, qty in inspected.items():
        await tx.session.execute(
            update(return_lines)
            .where(return_lines.c.return_no == msg.return_no, return_lines.c.line_no == line_no)
            .values(restocked_qty=qty["restock"], scrapped_qty=qty["scrap"])
        )
    what = ", ".join(f"line {n}: {q['restock']} restocked, {q['scrap']} scrapped" for n, q in sorted(inspected.items()))
    await note(tx, o, f"return {msg.return_no} received by the warehouse ({what})")


async def credit_note_issued(tx: SalesUnit, msg: CreditNoteIssued) -> None:
    """Finance credited an invoice: what it allocated settles invoices (this order's, or the customer's others),
    and a return's credit note is named on the return and in the order's history."""
    o = await load(tx, msg.order_no)
    if o is None:
        return
    if msg.return_no is not None:
        await tx.session.execute(
            update(returns)
            .where(returns.c.return_no == msg.return_no)
            .values(credit_note_nos=returns.c.credit_note_nos.op("||")(func.jsonb_build_array(msg.credit_note_no)))
        )
        await note(
            tx,
            o,
            f"credit note {msg.credit_note_no} for return {msg.return_no}: {msg.totals.gross} {msg.currency}"
            f" ({msg.customer_credit} left as customer credit)",
        )
    touched = {o.no: o}
    for a in msg.allocations:
        await tx.session.execute(
            update(invoices)
            .where(invoices.c.invoice_no == a.invoice_no)
            .values(outstanding=func.greatest(invoices.c.outstanding - a.amount, 0))
        )
        if a.order_no not in touched:
            other = await load(tx, a.order_no)
            if other is not None:
                touched[a.order_no] = other
    for order in touched.values():
        await advance(tx, order)


async def returns_of(session: Any, order_no: str | None = None, return_no: str | None = None) -> list[dict[str, Any]]:
    q = select(returns).order_by(returns.c.return_no)
    if order_no is not None:
        q = q.where(returns.c.order_no == order_no)
    if return_no is not None:
        q = q.where(returns.c.return_no == return_no)
    return await with_lines(session, q, return_lines, "return_no")


async def return_or_404(session: Any, return_no: str) -> dict[str, Any]:
    found = await returns_of(session, return_no=return_no)
    if not found:
        raise NotFoundError("return", return_no)
    return found[0]

"""Returns (退货, RMA-): sales authorizes one (`ReturnAuthorized`), the warehouse receives the goods and inspects
them, line by line: restocked goods are on hand again (a `return` movement at the cost they left with, the
moving-average cost updated by it), scrapped goods are written off (a `return` and a `scrap` movement at that
cost; on-hand and the average unchanged). `ReturnReceived` tells sales and finance (which credits the order)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import ReturnedLine, ReturnReceived
from contracts.sales import ReturnAuthorized
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import (
    kit,
    outbound_lines,
    outbound_orders,
    products,
    return_lines,
    returns,
    stock_movements,
    warehouses,
)
from inventory.handlers.adjustments import update_average_cost
from inventory.stock import StockBook
from servicekit import audit
from servicekit.documents import with_lines
from servicekit.errors import DomainError, InputError, NotFoundError

AUTHORIZED = "authorized"
RECEIVED = "received"
RESULTS = ("restock", "scrap")
COST = Decimal("0.0001")


@dataclass(frozen=True)
class Inspected:
    line_no: int
    qty: Decimal
    result: str  # restock | scrap
    note: str | None = None


async def _left_with(session: AsyncSession, order_no: str, line_no: int, sku: str) -> Decimal:
    """The unit cost the order line's goods left with: its shipments' movements, weighted by quantity (the
    product's current average when none recorded one)."""
    rows = (
        await session.execute(
            select(outbound_lines.c.qty, stock_movements.c.unit_cost)
            .join(outbound_orders, outbound_orders.c.do_no == outbound_lines.c.do_no)
            .join(
                stock_movements,
                (stock_movements.c.reference == outbound_lines.c.do_no)
                & (stock_movements.c.sku == outbound_lines.c.sku)
                & (stock_movements.c.movement_type == "shipment"),
            )
            .where(
                outbound_orders.c.order_no == order_no,
                outbound_lines.c.line_no == line_no,
                outbound_orders.c.shipped_at.is_not(None),
                stock_movements.c.unit_cost.is_not(None),
            )
        )
    ).all()
    qty = sum((r.qty for r in rows), domain.ZERO)
    if qty > 0:
        return (sum((r.qty * r.unit_cost for r in rows), domain.ZERO) / qty).quantize(COST, ROUND_HALF_UP)
    current = await session.scalar(select(products.c.avg_cost).where(products.c.sku == sku))
    return Decimal(current or 0)


async def on_return_authorized(unit: InventoryUnit, msg: ReturnAuthorized) -> None:
    """The goods are expected back, at the cost they left with."""
    session = unit.session
    if await session.scalar(select(returns.c.return_no).where(returns.c.return_no == msg.return_no)):
        return
    await session.execute(
        insert(returns).values(
            return_no=msg.return_no,
            order_no=msg.order_no,
            customer_code=msg.customer_code,
            warehouse_code=msg.warehouse_code,
            status=AUTHORIZED,
            reason=msg.reason,
            authorized_at=msg.authorized_at,
        )
    )
    await session.execute(
        insert(return_lines),
        [
            {
                "return_no": msg.return_no,
                "line_no": x.line_no,
                "sku": x.sku,
                "qty": x.qty,
                "unit_cost": await _left_with(session, msg.order_no, x.line_no, x.sku),
            }
            for x in msg.lines
        ],
    )


async def receive(
    unit: InventoryUnit, actor: str, return_no: str, inspected: Sequence[Inspected], warehouse_code: str | None
) -> None:
    session, now = unit.session, unit.now
    rma = (await session.execute(select(returns).where(returns.c.return_no == return_no).with_for_update())).first()
    if rma is None:
        raise NotFoundError("return", return_no)
    if rma.status != AUTHORIZED:
        raise DomainError("return_already_received", f"{return_no} was received on {rma.received_at}")
    wh = warehouse_code or rma.warehouse_code
    if wh is None or await session.scalar(select(warehouses.c.code).where(warehouses.c.code == wh)) is None:
        raise InputError("warehouse_code", f"unknown warehouse {wh}" if wh else "which warehouse receives the goods")
    expected = {
        r.line_no: r
        for r in (await session.execute(select(return_lines).where(return_lines.c.return_no == return_no))).all()
    }
    got: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(RESULTS, domain.ZERO))
    for x in inspected:
        if x.line_no not in expected:
            raise InputError("lines", f"{return_no} has no line {x.line_no}")
        got[x.line_no][x.result] += x.qty
    for line_no, line in expected.items():
        if sum(got[line_no].values(), domain.ZERO) != line.qty:
            raise InputError("lines", f"line {line_no}: {line.qty} expected back, inspect all of it (restock or scrap)")
    unit.correlation_id = rma.order_no  # what receiving causes (stock events included) is in the order's flow
    restocked = {n: q["restock"] for n, q in got.items() if q["restock"] > 0}
    by_sku: dict[str, list[Decimal]] = defaultdict(lambda: [domain.ZERO, domain.ZERO])
    for n, qty in restocked.items():
        by_sku[expected[n].sku][0] += qty
        by_sku[expected[n].sku][1] += qty * expected[n].unit_cost
    for sku in sorted(by_sku):  # products locked in sku order, before the stock rows
        qty, value = by_sku[sku]
        await update_average_cost(session, sku, qty, value / qty)
    book = StockBook.of(unit)
    await book.lock({(x.sku, wh) for x in expected.values()}, create=True)
    out: list[ReturnedLine] = []
    notes = {x.line_no: x.note for x in inspected if x.note}
    for n in sorted(expected):
        line = expected[n]
        for result in RESULTS:
            qty = got[n][result]
            if qty <= 0:
                continue
            why = f"return {return_no} of {rma.order_no}: {result}"
            book.move(
                line.sku, wh, qty, "return", reason_code="return", reason=why, reference=return_no,
                unit_cost=line.unit_cost, actor=actor,
            )  # fmt: skip
            if result == "scrap":  # written off at once: on-hand unchanged, the ledger shows both
                book.move(
                    line.sku, wh, -qty, "scrap", reason_code="damage", reason=notes.get(n) or why,
                    reference=return_no, unit_cost=line.unit_cost, actor=actor,
                )  # fmt: skip
            out.append(ReturnedLine(line_no=n, sku=line.sku, qty=qty, result=result, unit_cost=line.unit_cost))
        await session.execute(
            update(return_lines)
            .where(return_lines.c.return_no == return_no, return_lines.c.line_no == n)
            .values(restocked_qty=got[n]["restock"], scrapped_qty=got[n]["scrap"], note=notes.get(n))
        )
    await book.flush()
    await session.execute(
        update(returns)
        .where(returns.c.return_no == return_no)
        .values(status=RECEIVED, warehouse_code=wh, received_by=actor, received_at=now)
    )
    unit.publish(
        ReturnReceived(
            return_no=return_no, order_no=rma.order_no, warehouse_code=wh, lines=out, received_by=actor, received_at=now
        )
    )
    await audit.record(
        session, kit, actor=actor, entity="return", entity_id=return_no, action="received",
        before={"status": rma.status},
        after={"status": RECEIVED, "warehouse_code": wh, "lines": [x.model_dump(mode="json") for x in out]},
    )  # fmt: skip


async def read(session: AsyncSession, order_no: str | None = None, return_no: str | None = None) -> list[Any]:
    q = select(returns).order_by(returns.c.return_no)
    if order_no is not None:
        q = q.where(returns.c.order_no == order_no)
    if return_no is not None:
        q = q.where(returns.c.return_no == return_no)
    return await with_lines(session, q, return_lines, "return_no")

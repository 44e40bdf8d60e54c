"""Settlement: an order is settled once it is fully shipped and every invoice of it is paid."""

from __future__ import annotations

from sqlalchemy import func, select, update

from contracts.finance import OrderSettled
from finance.config import FinanceUnit
from finance.db import credit_holds, invoices, order_lines, sales_orders


async def settle_if_done(c: FinanceUnit, order_no: str) -> None:
    """OrderSettled once: the order is fully shipped and every (non-void) invoice of it is paid."""
    order = (
        await c.session.execute(select(sales_orders).where(sales_orders.c.order_no == order_no).with_for_update())
    ).first()
    if order is None or order.settled_at is not None or order.cancelled:
        return
    unshipped = await c.session.scalar(
        select(func.count()).where(order_lines.c.order_no == order_no, order_lines.c.shipped_qty < order_lines.c.qty)
    )
    if unshipped:
        return
    row = (
        await c.session.execute(
            select(
                func.count(),
                func.count().filter(invoices.c.status != "paid"),
                func.coalesce(func.sum(invoices.c.gross), 0),
                func.coalesce(func.sum(invoices.c.paid), 0),
            ).where(invoices.c.order_no == order_no, invoices.c.status != "void")
        )
    ).one()
    count, unpaid, gross, paid = row
    if count == 0 or unpaid:
        return
    await c.session.execute(update(sales_orders).where(sales_orders.c.order_no == order_no).values(settled_at=c.now))
    await c.session.execute(
        update(credit_holds).where(credit_holds.c.order_no == order_no).values(active=False, updated_at=c.now)
    )
    c.publish(
        OrderSettled(
            order_no=order_no,
            customer_code=order.customer_code,
            invoiced=gross,
            paid=paid,
            currency=order.currency,
            settled_at=c.now,
        )
    )

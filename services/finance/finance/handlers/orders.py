"""Sales orders as finance needs them: the priced lines to invoice shipments from, and cancellation."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update

from contracts.common import OrderLine
from contracts.sales import OrderAmended, OrderCancelled, OrderConfirmed
from finance.db import credit_accounts, order_lines, sales_orders
from finance.handlers import Ctx
from finance.handlers.credit import release_hold
from servicekit.fastsql import Statement, insert_of

_ORDER = insert_of(sales_orders, "order_no", "customer_code", "revision", "currency", "payment_terms_days")
# Run for every confirmed order: built once (see servicekit.fastsql).
_STORE_ORDER = Statement(
    _ORDER.on_conflict_do_update(
        index_elements=[sales_orders.c.order_no],
        set_={"revision": _ORDER.excluded.revision, "currency": _ORDER.excluded.currency},
        where=sales_orders.c.revision < _ORDER.excluded.revision,
    ).returning(sales_orders.c.order_no)
)
# The lines are replaced; what was shipped of them is kept (read as they are deleted).
_DROP_LINES = Statement(
    delete(order_lines)
    .where(order_lines.c.order_no == bindparam("order_no"))
    .returning(order_lines.c.line_no, order_lines.c.shipped_qty)
)
_ADD_LINES = Statement(
    insert_of(order_lines, "order_no", "line_no", "sku", "qty", "unit_price", "discount", "tax_rate", "shipped_qty")
)


async def order_confirmed(c: Ctx, msg: OrderConfirmed) -> None:
    await _store(c, msg.order_no, msg.customer_code, msg.revision, msg.currency, msg.payment_terms_days, msg.lines)


async def order_amended(c: Ctx, msg: OrderAmended) -> None:
    terms = await c.session.scalar(
        select(credit_accounts.c.payment_terms_days).where(credit_accounts.c.customer_code == msg.customer_code)
    )
    await _store(c, msg.order_no, msg.customer_code, msg.revision, msg.currency, terms or 0, msg.lines)


async def _store(
    c: Ctx, order_no: str, customer: str, revision: int, currency: str, terms: int, lines: list[OrderLine]
) -> None:
    """Keep the order's latest revision (an older one arriving late changes nothing); shipped qty is kept."""
    stored = await _STORE_ORDER.fetchrow(
        c.session,
        order_no=order_no,
        customer_code=customer,
        revision=revision,
        currency=currency,
        payment_terms_days=terms,
    )
    if stored is None:
        return
    shipped = {r["line_no"]: r["shipped_qty"] for r in await _DROP_LINES.fetch(c.session, order_no=order_no)}
    await _ADD_LINES.executemany(
        c.session,
        [
            {
                "order_no": order_no,
                "line_no": line.line_no,
                "sku": line.sku,
                "qty": line.qty,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax_rate": line.tax_rate,
                "shipped_qty": shipped.get(line.line_no, 0),
            }
            for line in lines
        ],
    )


async def order_cancelled(c: Ctx, msg: OrderCancelled) -> None:
    await c.session.execute(update(sales_orders).where(sales_orders.c.order_no == msg.order_no).values(cancelled=True))
    await release_hold(c, msg.order_no, msg.customer_code, msg.reason, always_reply=False)

"""Sales orders as finance needs them: the priced lines to invoice shipments from, and cancellation."""

from __future__ import annotations

from sqlalchemy import select, text, update

from contracts.common import OrderLine
from contracts.sales import OrderAmended, OrderCancelled, OrderConfirmed, OrderVoided
from finance.config import FinanceUnit
from finance.db import credit_accounts, sales_orders
from finance.handlers.credit import lock_account, release_hold
from finance.handlers.credit_notes import credit_order
from servicekit.fastsql import Statement

# Run for every confirmed order, in ONE statement (see servicekit.fastsql): keep the order's latest revision (an
# older one arriving late changes nothing: no row comes back from `o`, so nothing else is written), upsert its
# lines by number (what was shipped of a line is kept) and drop the lines it no longer has.
_STORE = Statement(
    text(
        """
        WITH o AS (
          INSERT INTO sales_orders AS s (order_no, customer_code, revision, currency, payment_terms_days)
          VALUES (:order_no, :customer_code, :revision, :currency, :payment_terms_days)
          ON CONFLICT (order_no) DO UPDATE SET revision = excluded.revision, currency = excluded.currency
          WHERE s.revision < excluded.revision
          RETURNING order_no),
        kept AS (
          INSERT INTO order_lines AS l (order_no, line_no, sku, qty, unit_price, discount, tax_rate, shipped_qty)
          SELECT o.order_no, x.line_no, x.sku, x.qty, x.unit_price, x.discount, x.tax_rate, 0
          FROM o, unnest(CAST(:line_nos AS int[]), CAST(:skus AS varchar[]), CAST(:qtys AS numeric[]),
                         CAST(:unit_prices AS numeric[]), CAST(:discounts AS numeric[]), CAST(:tax_rates AS numeric[]))
               AS x(line_no, sku, qty, unit_price, discount, tax_rate)
          ON CONFLICT (order_no, line_no) DO UPDATE SET sku = excluded.sku, qty = excluded.qty,
            unit_price = excluded.unit_price, discount = excluded.discount, tax_rate = excluded.tax_rate),
        dropped AS (
          DELETE FROM order_lines AS l USING o
          WHERE l.order_no = o.order_no AND NOT (l.line_no = ANY(CAST(:line_nos AS int[]))))
        SELECT count(*) FROM o
        """
    )
)


async def order_confirmed(c: FinanceUnit, msg: OrderConfirmed) -> None:
    await _store(c, msg.order_no, msg.customer_code, msg.revision, msg.currency, msg.payment_terms_days, msg.lines)


async def order_amended(c: FinanceUnit, msg: OrderAmended) -> None:
    terms = await c.session.scalar(
        select(credit_accounts.c.payment_terms_days).where(credit_accounts.c.customer_code == msg.customer_code)
    )
    await _store(c, msg.order_no, msg.customer_code, msg.revision, msg.currency, terms or 0, msg.lines)


async def _store(
    c: FinanceUnit, order_no: str, customer: str, revision: int, currency: str, terms: int, lines: list[OrderLine]
) -> None:
    """Keep the order's latest revision (an older one arriving late changes nothing); shipped qty is kept."""
    await _STORE.defer(
        c.session,
        order_no=order_no,
        customer_code=customer,
        revision=revision,
        currency=currency,
        payment_terms_days=terms,
        line_nos=[x.line_no for x in lines],
        skus=[x.sku for x in lines],
        qtys=[x.qty for x in lines],
        unit_prices=[x.unit_price for x in lines],
        discounts=[x.discount for x in lines],
        tax_rates=[x.tax_rate for x in lines],
    )


async def order_cancelled(c: FinanceUnit, msg: OrderCancelled) -> None:
    await c.session.execute(update(sales_orders).where(sales_orders.c.order_no == msg.order_no).values(cancelled=True))
    await release_hold(c, msg.order_no, msg.customer_code, msg.reason, always_reply=False)


async def order_voided(c: FinanceUnit, msg: OrderVoided) -> None:
    """A voided order: no longer settled nor invoiced; what it has not invoiced no longer counts as exposure;
    every invoice of it is voided by a credit note (paid ones leave customer credit)."""
    await lock_account(c.session, msg.customer_code)
    await c.session.execute(update(sales_orders).where(sales_orders.c.order_no == msg.order_no).values(cancelled=True))
    await release_hold(c, msg.order_no, msg.customer_code, f"order voided: {msg.reason}", always_reply=False)
    await credit_order(c, msg.order_no, msg.reason)

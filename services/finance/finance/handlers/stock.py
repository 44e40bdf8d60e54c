"""The stock valuation in the journal (账实相符): every stock movement with value moves the inventory account and
`stock_values` (per sku) together: receipts (payables), shipments (their invoice's cost of goods sold), returns
(restocked cost), and here adjustments, stocktake variances and opening balances (`StockAdjusted`, at the cost
inventory moved them with: Dr/Cr inventory against inventory gain/loss, or opening balance equity), and the opening
valuation of stock from before the valuation existed (`StockValued`)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from contracts.inventory import StockAdjusted, StockValued
from contracts.pricing import cents
from finance.config import FinanceUnit
from finance.db import stock_values
from finance.ledger import Account, account_balance, cr, dr, post


async def value_stock(c: FinanceUnit, sku: str, qty: Decimal, value: Decimal) -> None:
    """The sku's stock moved by `qty` worth `value` (the amount the inventory account moved by for it)."""
    stmt = insert(stock_values).values(sku=sku, qty=qty, value=value, updated_at=c.now)
    await c.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[stock_values.c.sku],
            set_={
                "qty": stock_values.c.qty + stmt.excluded.qty,
                "value": stock_values.c.value + stmt.excluded.value,
                "updated_at": stmt.excluded.updated_at,
            },
        )
    )


async def stock_adjusted(c: FinanceUnit, msg: StockAdjusted) -> None:
    value = cents(msg.qty_delta * (msg.unit_cost or Decimal(0)))
    await value_stock(c, msg.sku, msg.qty_delta, value)
    other = Account.OPENING_EQUITY if msg.reason_code == "opening_balance" else Account.INVENTORY_GAIN_LOSS
    await post(
        c.session,
        entry_date=msg.adjusted_at.date(),
        at=c.now,
        source_type=f"stock_{msg.reason_code}",
        source_no=msg.reference or msg.sku,
        legs=[dr(Account.INVENTORY, value), cr(other, value)],
        memo=f"{msg.sku}@{msg.warehouse_code} {msg.qty_delta}",
    )


async def stock_valued(c: FinanceUnit, msg: StockValued) -> None:
    """Inventory's own valuation of a sku (the opening valuation on upgrade): the sku's `stock_values` become it,
    the difference booked against opening balance equity. First, an inventory balance no sku's valuation explains
    (booked before finance kept `stock_values`: receipts, shipments and returns of a database upgraded from then)
    is moved to opening balance equity, so that afterwards the account is the sum of the skus' valuations."""
    day, memo = msg.valued_at.date(), msg.reason or "opening valuation"
    valued = Decimal(await c.session.scalar(select(func.coalesce(func.sum(stock_values.c.value), 0))) or 0)
    unexplained = await account_balance(c.session, Account.INVENTORY) - cents(valued)
    await post(
        c.session,
        entry_date=day,
        at=c.now,
        source_type="stock_valuation",
        source_no="unexplained",
        legs=[cr(Account.INVENTORY, unexplained), dr(Account.OPENING_EQUITY, unexplained)],
        memo=f"inventory balance without a stock valuation, before {memo}",
    )  # nothing posted when there is none
    before = (
        await c.session.execute(
            select(stock_values.c.qty, stock_values.c.value).where(stock_values.c.sku == msg.sku).with_for_update()
        )
    ).first()
    qty, value = (before.qty, before.value) if before is not None else (Decimal(0), Decimal(0))
    await value_stock(c, msg.sku, msg.qty - qty, msg.value - value)
    await post(
        c.session,
        entry_date=day,
        at=c.now,
        source_type="stock_valuation",
        source_no=msg.sku,
        legs=[dr(Account.INVENTORY, msg.value - value), cr(Account.OPENING_EQUITY, msg.value - value)],
        memo=f"{memo}: {msg.sku} {msg.qty} @ {msg.unit_cost} (was {qty}, {value})",
    )

"""The stock valuation in the journal (账实相符): every stock movement with value moves the inventory account and
`stock_values` (per sku) together: receipts (payables), shipments (their invoice's cost of goods sold), returns
(restocked cost), and here adjustments, stocktake variances and opening balances (`StockAdjusted`, at the cost
inventory moved them with: Dr/Cr inventory against inventory gain/loss, or opening balance equity)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert

from contracts.inventory import StockAdjusted
from contracts.pricing import cents
from finance.config import FinanceUnit
from finance.db import stock_values
from finance.ledger import Account, cr, dr, post


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

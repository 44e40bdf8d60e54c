"""The local copy of purchase orders sent to suppliers: what goods receipts are checked against."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from contracts.purchasing import PurchaseOrderCancelled, PurchaseOrderClosed, PurchaseOrderSent
from inventory.config import InventoryUnit
from inventory.db import purchase_order_lines, purchase_orders


async def on_sent(unit: InventoryUnit, msg: PurchaseOrderSent) -> None:
    session = unit.session
    values = {
        "supplier_code": msg.supplier_code,
        "warehouse_code": msg.warehouse_code,
        "tolerance_pct": msg.tolerance_pct,
        "expected_date": msg.expected_date,
        "sent_at": msg.sent_at,
        "updated_at": unit.now,
    }
    stmt = insert(purchase_orders).values(po_no=msg.po_no, status="open", **values)
    inserted = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=[purchase_orders.c.po_no]).returning(purchase_orders.c.po_no)
    )
    if inserted.first() is None:
        # Sent again (re-sent after a change): take the new lines, keep what was already received.
        await session.execute(purchase_orders.update().where(purchase_orders.c.po_no == msg.po_no).values(**values))
        await session.execute(
            delete(purchase_order_lines).where(
                (purchase_order_lines.c.po_no == msg.po_no)
                & purchase_order_lines.c.line_no.notin_([x.line_no for x in msg.lines])
                & (purchase_order_lines.c.qty_received == 0)
            )
        )
    line_values = [
        {"po_no": msg.po_no, "line_no": x.line_no, "sku": x.sku, "qty": x.qty, "unit_price": x.unit_price}
        for x in msg.lines
    ]
    stmt_lines = insert(purchase_order_lines).values(line_values)
    await session.execute(
        stmt_lines.on_conflict_do_update(
            constraint="pk_purchase_order_lines",
            set_={
                "sku": stmt_lines.excluded.sku,
                "qty": stmt_lines.excluded.qty,
                "unit_price": stmt_lines.excluded.unit_price,
            },
        )
    )


async def _set_status(unit: InventoryUnit, po_no: str, status: str) -> None:
    await unit.session.execute(
        purchase_orders.update().where(purchase_orders.c.po_no == po_no).values(status=status, updated_at=unit.now)
    )


async def on_cancelled(unit: InventoryUnit, msg: PurchaseOrderCancelled) -> None:
    await _set_status(unit, msg.po_no, "cancelled")


async def on_closed(unit: InventoryUnit, msg: PurchaseOrderClosed) -> None:
    await _set_status(unit, msg.po_no, "closed")

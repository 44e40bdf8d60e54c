"""Payables: suppliers and POs from purchasing, a bill per goods receipt at PO price, receipt journal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contracts.finance import BillCreated, BillLine
from contracts.inventory import GoodsReceived
from contracts.pricing import ZERO
from contracts.purchasing import PurchaseOrderSent, SupplierUpserted
from finance.config import FinanceUnit
from finance.db import bill_lines, bills, goods_receipts, kit, po_lines, purchase_orders, suppliers
from finance.domain import PricedLine, totals
from finance.handlers.stock import value_stock
from finance.ledger import Account, cr, dr, post
from servicekit.consumer import NotReady
from servicekit.numbering import next_number


class PurchaseOrderUnknownError(NotReady):
    """The receipt arrived before its PurchaseOrderSent: it waits for it (see servicekit NotReady)."""


async def upsert_supplier(c: FinanceUnit, msg: SupplierUpserted) -> None:
    values = {
        "name": msg.name,
        "payment_terms_days": msg.payment_terms_days,
        "currency": msg.currency,
        "active": msg.active,
        "updated_at": msg.updated_at,
    }
    stmt = pg_insert(suppliers).values(supplier_code=msg.supplier_code, **values)
    await c.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[suppliers.c.supplier_code],
            set_=values,
            where=suppliers.c.updated_at <= stmt.excluded.updated_at,
        )
    )


async def purchase_order_sent(c: FinanceUnit, msg: PurchaseOrderSent) -> None:
    created = (
        await c.session.execute(
            pg_insert(purchase_orders)
            .values(
                po_no=msg.po_no,
                supplier_code=msg.supplier_code,
                currency=msg.currency,
                payment_terms_days=msg.payment_terms_days,
                tolerance_pct=msg.tolerance_pct,
                price_tolerance_pct=msg.price_tolerance_pct,
                sent_at=msg.sent_at,
            )
            .on_conflict_do_nothing()
            .returning(purchase_orders.c.po_no)
        )
    ).first()
    if created is None:
        return
    await c.session.execute(
        insert(po_lines),
        [
            {
                "po_no": msg.po_no,
                "line_no": x.line_no,
                "sku": x.sku,
                "qty": x.qty,
                "unit_price": x.unit_price,
                "tax_rate": x.tax_rate,
            }
            for x in msg.lines
        ],
    )


async def goods_received(c: FinanceUnit, msg: GoodsReceived) -> None:
    if await c.session.scalar(select(goods_receipts.c.grn_no).where(goods_receipts.c.grn_no == msg.grn_no)):
        return
    po = None
    if msg.po_no is not None:
        po = (await c.session.execute(select(purchase_orders).where(purchase_orders.c.po_no == msg.po_no))).first()
        if po is None:
            raise PurchaseOrderUnknownError(msg.po_no)
    po_prices = await _po_prices(c, msg.po_no)
    lines = []
    for x in msg.lines:
        if x.qty_accepted <= 0:
            continue
        po_line = po_prices.get(x.po_line_no) if x.po_line_no else None
        lines.append(
            (
                x.po_line_no,
                PricedLine(
                    line_no=x.line_no,
                    sku=x.sku,
                    qty=x.qty_accepted,
                    unit_price=po_line.unit_price if po_line else x.unit_cost,
                    discount=Decimal("0"),
                    tax_rate=po_line.tax_rate if po_line else Decimal("0"),
                ),
            )
        )
    value = totals([p for _, p in lines]).net
    received_on = msg.received_at.date()
    await c.session.execute(
        insert(goods_receipts).values(
            grn_no=msg.grn_no,
            po_no=msg.po_no,
            supplier_code=msg.supplier_code or (po.supplier_code if po else None),
            value=value,
            received_on=received_on,
            received_at=msg.received_at,
            lines=[x.model_dump(mode="json") for x in msg.lines],
            reason=msg.reason,
        )
    )
    await post(
        c.session,
        entry_date=received_on,
        at=c.now,
        source_type="receipt",
        source_no=msg.grn_no,
        legs=[dr(Account.INVENTORY, value), cr(Account.GRNI, value)],
        memo=msg.po_no,
    )
    for _, p in lines:
        await value_stock(c, p.sku, p.qty, p.net)
    for po_line_no, p in lines:
        if po_line_no:
            await c.session.execute(
                update(po_lines)
                .where(po_lines.c.po_no == msg.po_no, po_lines.c.line_no == po_line_no)
                .values(received_qty=po_lines.c.received_qty + p.qty)
            )
    if po is not None and lines:
        await _create_bill(c, msg, po, lines)
    elif po is None and value > 0 and msg.supplier_code is not None:
        # A receipt without PO, its supplier and prices given: the payable at those prices (no PO to match it
        # against). Without them it stays in the receipts not billed (GET /receipts/unbilled) with its reason.
        supplier = (
            await c.session.execute(select(suppliers).where(suppliers.c.supplier_code == msg.supplier_code))
        ).first()
        if supplier is not None:
            terms = SimpleNamespace(
                po_no=None,
                supplier_code=supplier.supplier_code,
                currency=supplier.currency,
                payment_terms_days=supplier.payment_terms_days,
            )
            await _create_bill(c, msg, terms, lines)


async def _po_prices(c: FinanceUnit, po_no: str | None) -> dict[int, Any]:
    if po_no is None:
        return {}
    rows = (await c.session.execute(select(po_lines).where(po_lines.c.po_no == po_no))).all()
    return {r.line_no: r for r in rows}


async def _create_bill(c: FinanceUnit, msg: GoodsReceived, po: Any, lines: list[tuple[int | None, PricedLine]]) -> None:
    t = totals([p for _, p in lines])
    bill_no = await next_number(c.session, kit, "BILL", c.now)
    bill_date = msg.received_at.date()
    due_date = bill_date + timedelta(days=po.payment_terms_days)
    await c.session.execute(
        insert(bills).values(
            bill_no=bill_no,
            supplier_code=po.supplier_code,
            po_no=po.po_no,
            grn_no=msg.grn_no,
            currency=po.currency,
            net=t.net,
            tax=t.tax,
            gross=t.gross,
            paid=ZERO,
            status="open",
            bill_date=bill_date,
            due_date=due_date,
            created_at=c.now,
        )
    )
    await c.session.execute(
        insert(bill_lines),
        [
            {
                "bill_no": bill_no,
                "line_no": p.line_no,
                "po_line_no": po_line_no,
                "sku": p.sku,
                "qty": p.qty,
                "unit_price": p.unit_price,
                "tax_rate": p.tax_rate,
                "net": p.net,
                "tax": p.tax,
            }
            for po_line_no, p in lines
        ],
    )
    await c.session.execute(update(goods_receipts).where(goods_receipts.c.grn_no == msg.grn_no).values(bill_no=bill_no))
    await post(
        c.session,
        entry_date=bill_date,
        at=c.now,
        source_type="bill",
        source_no=bill_no,
        legs=[
            dr(Account.GRNI, t.net),
            dr(Account.INPUT_VAT, t.tax),
            cr(Account.AP, t.gross, ("supplier", po.supplier_code)),
        ],
        memo=f"{po.po_no or 'receipt without PO'} {msg.grn_no}",
    )
    c.publish(
        BillCreated(
            bill_no=bill_no,
            supplier_code=po.supplier_code,
            po_no=po.po_no,
            grn_no=msg.grn_no,
            lines=[
                BillLine(
                    line_no=p.line_no,
                    po_line_no=po_line_no,
                    sku=p.sku,
                    qty=p.qty,
                    unit_price=p.unit_price,
                    tax_rate=p.tax_rate,
                    net=p.net,
                )
                for po_line_no, p in lines
            ],
            currency=po.currency,
            totals={"net": t.net, "tax": t.tax, "gross": t.gross},
            status="open",
            bill_date=bill_date,
            due_date=due_date,
            created_at=c.now,
        )
    )

"""PO progress from other services' events: goods receipts (inventory), bills (finance), products (a copy).
Each handler runs in the consumer's transaction; a receipt or bill counts once even if re-sent."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from contracts.analytics import SupplierScored
from contracts.finance import BillCreated, BillHeld
from contracts.inventory import GoodsReceived, ProductUpserted
from purchasing.config import PurchasingUnit
from purchasing.db import kit, po_documents, products, purchase_order_lines, purchase_orders, supplier_scores
from purchasing.domain import PO_RECEIVING, Finding, LineProgress, receipt_findings, shortfalls, status_after_receipt
from purchasing.handlers import orders
from purchasing.handlers.anomalies import raise_anomaly, resolve
from servicekit import audit

log = logging.getLogger(__name__)
SYSTEM = "system"


async def _claim(tx: PurchasingUnit, kind: str, ref: str, po_no: str) -> bool:
    claimed = await tx.session.scalar(
        insert(po_documents)
        .values(kind=kind, ref=ref, po_no=po_no, at=tx.now)
        .on_conflict_do_nothing()
        .returning(po_documents.c.ref)
    )
    return claimed is not None


async def _lock_po(tx: PurchasingUnit, po_no: str) -> Any:
    query = select(purchase_orders).where(purchase_orders.c.po_no == po_no).with_for_update()
    return (await tx.session.execute(query)).first()


def _match(lines: list[LineProgress], po_line_no: int | None, sku: str) -> LineProgress | None:
    if po_line_no is not None:
        found = next((ln for ln in lines if ln.line_no == po_line_no), None)
        if found is not None and found.sku == sku:
            return found
    return next((ln for ln in lines if ln.sku == sku), None)


async def on_goods_received(tx: PurchasingUnit, msg: GoodsReceived) -> None:
    if msg.po_no is None:
        return
    po = await _lock_po(tx, msg.po_no)
    if po is None:
        log.warning("goods receipt %s for unknown purchase order %s ignored", msg.grn_no, msg.po_no)
        return
    if not await _claim(tx, "grn", msg.grn_no, po.po_no):
        return
    before = orders.progress(await orders.lines_of(tx.session, po.po_no))
    after = [replace(ln) for ln in before]
    for rl in msg.lines:
        line = _match(after, rl.po_line_no, rl.sku)
        if line is None:
            log.warning("receipt %s line %s (%s) matches no line of %s", msg.grn_no, rl.line_no, rl.sku, po.po_no)
            continue
        line.received += rl.qty_accepted
        line.rejected += rl.qty_rejected
    pol = purchase_order_lines
    for old, new in zip(before, after, strict=True):
        if (old.received, old.rejected) != (new.received, new.rejected):
            await tx.session.execute(
                update(pol)
                .where(pol.c.po_no == po.po_no, pol.c.line_no == new.line_no)
                .values(qty_received=new.received, qty_rejected=new.rejected)
            )
    for finding in receipt_findings(before, after, po.tolerance_pct):
        await raise_anomaly(tx, po, finding, msg.grn_no, grn_no=msg.grn_no)
    if all(ln.arrived >= ln.shipped for ln in after):
        await resolve(tx, po.po_no, ("short_receipt",))
    if po.status in PO_RECEIVING:
        target = status_after_receipt(after, po.tolerance_pct)
        short = shortfalls(after) if target == "received" else []
        if target != po.status:
            why = f"goods receipt {msg.grn_no}"
            if short:  # complete within the under-delivery tolerance: the short quantity is recorded
                lines = ", ".join(f"line {n} short {q}" for n, q in short)
                why += f"; received within the {po.tolerance_pct}% under-delivery tolerance ({lines})"
            await orders.move(tx, po, target, SYSTEM, why)
            if short:
                await audit.record(
                    tx.session, kit, actor=SYSTEM, entity="purchase_order", entity_id=po.po_no,
                    action="received_short_within_tolerance",
                    after={"tolerance_pct": str(po.tolerance_pct), "short": {str(n): str(q) for n, q in short}},
                )  # fmt: skip
        if target == "received":
            await resolve(tx, po.po_no, ("overdue",))
            await _close_when_billed(tx, po.po_no)


async def _close_when_billed(tx: PurchasingUnit, po_no: str) -> None:
    po = await _lock_po(tx, po_no)
    if po is None or po.status != "received":
        return
    lines = await orders.lines_of(tx.session, po_no)
    if all(ln.qty_billed >= ln.qty_received for ln in lines):
        await orders.close(tx, po, SYSTEM, None)


async def on_bill_created(tx: PurchasingUnit, msg: BillCreated) -> None:
    if msg.po_no is None:
        return
    po = await _lock_po(tx, msg.po_no)
    if po is None or not await _claim(tx, "bill", msg.bill_no, po.po_no):
        return
    lines = orders.progress(await orders.lines_of(tx.session, po.po_no))
    pol = purchase_order_lines
    for bl in msg.lines:
        line = _match(lines, bl.po_line_no, bl.sku)
        if line is not None:
            await tx.session.execute(
                update(pol)
                .where(pol.c.po_no == po.po_no, pol.c.line_no == line.line_no)
                .values(qty_billed=pol.c.qty_billed + bl.qty)
            )
    await _close_when_billed(tx, po.po_no)


async def on_bill_held(tx: PurchasingUnit, msg: BillHeld) -> None:
    if msg.po_no is None or msg.reason != "price_mismatch":
        return
    po = await _lock_po(tx, msg.po_no)
    if po is None:
        return
    finding = Finding(
        "price_mismatch",
        "critical",
        f"bill {msg.bill_no} prices differ from the purchase order beyond {msg.tolerance_pct}%",
        tuple((None, ln.sku, ln.po_unit_price, ln.invoice_unit_price) for ln in msg.lines),
    )
    await raise_anomaly(tx, po, finding, msg.bill_no, bill_no=msg.bill_no)


async def on_supplier_scored(tx: PurchasingUnit, msg: SupplierScored) -> None:
    """The latest published score per supplier wins (a replayed older one changes nothing)."""
    values = {
        "supplier_code": msg.supplier_code,
        "score": msg.score,
        "standing": msg.standing,
        "scored_at": msg.scored_at,
    }
    stmt = insert(supplier_scores).values(**values)
    await tx.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[supplier_scores.c.supplier_code],
            set_={k: v for k, v in values.items() if k != "supplier_code"},
            where=supplier_scores.c.scored_at <= stmt.excluded.scored_at,
        )
    )


async def on_product_upserted(tx: PurchasingUnit, msg: ProductUpserted) -> None:
    values = {
        "sku": msg.sku,
        "name": msg.name,
        "category": msg.category,
        "reorder_qty": msg.reorder_qty,
        "updated_at": msg.updated_at,
    }
    stmt = insert(products).values(**values)
    await tx.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[products.c.sku],
            set_={k: v for k, v in values.items() if k != "sku"},
            where=products.c.updated_at <= stmt.excluded.updated_at,
        )
    )

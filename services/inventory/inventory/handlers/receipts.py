"""Goods receipts (入库单, GRN-): against a sent PO (or, with a reason and the right roles, without one),
lines by barcode scans or sku, accepted/rejected quantities; posting raises on-hand (a `receipt` movement),
updates the moving-average cost, and emits GoodsReceived. Over-receipt beyond the PO's tolerance is refused
unless a purchasing manager overrides. Posting happens once: the GRN row is locked and must be a draft."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import GoodsReceived, ReceiptLine
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import (
    goods_receipt_lines,
    goods_receipts,
    kit,
    product_barcodes,
    products,
    purchase_order_lines,
    purchase_orders,
    warehouses,
)
from inventory.handlers.adjustments import update_average_cost
from inventory.stock import StockBook
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number

OVERRIDERS = frozenset({"purchasing_manager", "admin"})


class ForbiddenError(DomainError):
    status = 403


@dataclass
class ReceiptHeader:
    po_no: str | None
    warehouse_code: str | None
    supplier_code: str | None
    reason: str | None


@dataclass
class LineInput:
    sku: str | None
    barcode: str | None
    qty: Decimal
    qty_rejected: Decimal = domain.ZERO
    reject_reason: str | None = None
    unit_cost: Decimal | None = None


async def _open_po(session: AsyncSession, po_no: str, *, lock: bool = False) -> Any:
    query = select(purchase_orders).where(purchase_orders.c.po_no == po_no)
    po = (await session.execute(query.with_for_update() if lock else query)).first()
    if po is None:
        raise DomainError("unknown_po", f"purchase order {po_no} is unknown here (not sent?)", po_no=po_no)
    if po.status != "open":
        raise DomainError("po_not_open", f"purchase order {po_no} is {po.status}", po_no=po_no, po_status=po.status)
    return po


async def create_receipt(unit: InventoryUnit, who: Principal, head: ReceiptHeader) -> str:
    session, now = unit.session, unit.now
    warehouse, supplier = head.warehouse_code, head.supplier_code
    if head.po_no is not None:
        po = await _open_po(session, head.po_no)
        warehouse, supplier = warehouse or po.warehouse_code, po.supplier_code
    else:
        if not head.reason:
            raise InputError("reason", "a receipt without a purchase order needs a reason")
        if "admin" not in who.roles and not {"warehouse", "purchasing_manager"} <= who.roles:
            raise ForbiddenError("forbidden", "a receipt without a PO needs the roles warehouse and purchasing_manager")
    if warehouse is None:
        raise InputError("warehouse_code", "required")
    if await session.scalar(select(warehouses.c.code).where(warehouses.c.code == warehouse)) is None:
        raise NotFoundError("warehouse", warehouse)
    grn_no = await next_number(session, kit, "GRN", now)
    values = {
        "grn_no": grn_no,
        "po_no": head.po_no,
        "supplier_code": supplier,
        "warehouse_code": warehouse,
        "status": "draft",
        "reason": head.reason,
        "created_by": who.sub,
        "created_at": now,
    }
    await session.execute(goods_receipts.insert().values(**values))
    await audit.record(
        session, kit, actor=who.sub, entity="goods_receipt", entity_id=grn_no, action="created",
        after={k: str(v) if v is not None else None for k, v in values.items()},
    )  # fmt: skip
    return grn_no


async def _lock_draft(session: AsyncSession, grn_no: str) -> Any:
    grn = (
        await session.execute(select(goods_receipts).where(goods_receipts.c.grn_no == grn_no).with_for_update())
    ).first()
    if grn is None:
        raise NotFoundError("goods receipt", grn_no)
    if grn.status != "draft":
        raise DomainError(f"already_{grn.status}", f"goods receipt {grn_no} is {grn.status}", grn_no=grn_no)
    return grn


async def add_line(unit: InventoryUnit, actor: str, grn_no: str, data: LineInput) -> None:
    """Add received (and rejected) quantity to the receipt's line for the product (a scan adds 1)."""
    session = unit.session
    grn = await _lock_draft(session, grn_no)
    sku = data.sku
    if data.barcode is not None:
        sku = await session.scalar(select(product_barcodes.c.sku).where(product_barcodes.c.barcode == data.barcode))
        if sku is None:
            raise InputError("barcode", f"unknown barcode {data.barcode}")
    assert sku is not None
    if data.qty_rejected > 0 and not data.reject_reason:
        raise InputError("reject_reason", "rejected quantity needs a reason")
    cost = await session.scalar(select(products.c.avg_cost).where(products.c.sku == sku))
    if cost is None:
        raise InputError("sku", f"unknown sku {sku}")
    po_line_no, unit_cost = None, data.unit_cost
    if grn.po_no is not None:
        po_line = (
            await session.execute(
                select(purchase_order_lines)
                .where((purchase_order_lines.c.po_no == grn.po_no) & (purchase_order_lines.c.sku == sku))
                .order_by(purchase_order_lines.c.line_no)
            )
        ).first()
        if po_line is None:
            raise DomainError("not_on_po", f"{sku} is not on purchase order {grn.po_no}", sku=sku)
        po_line_no, unit_cost = po_line.line_no, Decimal(po_line.unit_price)
    else:
        unit_cost = unit_cost if unit_cost is not None else Decimal(cost)
    where = (goods_receipt_lines.c.grn_no == grn_no) & (goods_receipt_lines.c.sku == sku)
    existing = (await session.execute(select(goods_receipt_lines).where(where))).first()
    if existing is not None:
        received = existing.qty_received + data.qty
        rejected = existing.qty_rejected + data.qty_rejected
        if rejected > received:
            raise InputError("qty_rejected", "more rejected than received")
        await session.execute(
            goods_receipt_lines.update()
            .where(where)
            .values(
                qty_received=received,
                qty_rejected=rejected,
                reject_reason=data.reject_reason or existing.reject_reason,
                # Without a PO, a cost entered once stays: a later scan of the product does not reset it.
                unit_cost=existing.unit_cost if grn.po_no is None and data.unit_cost is None else unit_cost,
            )
        )
    else:
        if data.qty_rejected > data.qty:
            raise InputError("qty_rejected", "more rejected than received")
        line_no = await session.scalar(
            select(func.coalesce(func.max(goods_receipt_lines.c.line_no), 0) + 1).where(
                goods_receipt_lines.c.grn_no == grn_no
            )
        )
        await session.execute(
            goods_receipt_lines.insert().values(
                grn_no=grn_no, line_no=line_no, po_line_no=po_line_no, sku=sku, qty_received=data.qty,
                qty_rejected=data.qty_rejected, reject_reason=data.reject_reason, unit_cost=unit_cost,
            )
        )  # fmt: skip
    await audit.record(
        session, kit, actor=actor, entity="goods_receipt", entity_id=grn_no, action="line_added",
        after={"sku": sku, "barcode": data.barcode, "qty": str(data.qty), "qty_rejected": str(data.qty_rejected)},
    )  # fmt: skip


async def post_receipt(unit: InventoryUnit, who: Principal, grn_no: str, override: bool) -> None:
    session, now = unit.session, unit.now
    grn = await _lock_draft(session, grn_no)
    lines = (
        await session.execute(
            select(goods_receipt_lines)
            .where(goods_receipt_lines.c.grn_no == grn_no)
            .order_by(goods_receipt_lines.c.line_no)
        )
    ).all()
    if not any(x.qty_received > 0 for x in lines):
        raise DomainError("empty_receipt", f"goods receipt {grn_no} has nothing received")
    overridden = await _check_po(session, grn, lines, who, override) if grn.po_no else False
    averages = await _receive(unit, grn, lines, who.sub)
    await session.execute(
        goods_receipts.update()
        .where(goods_receipts.c.grn_no == grn_no)
        .values(status="posted", posted_by=who.sub, posted_at=now, override_by=who.sub if overridden else None)
    )
    receipt_lines = [
        ReceiptLine(
            line_no=x.line_no,
            po_line_no=x.po_line_no,
            sku=x.sku,
            qty_received=x.qty_received,
            qty_accepted=x.qty_received - x.qty_rejected,
            qty_rejected=x.qty_rejected,
            reject_reason=x.reject_reason,
            unit_cost=Decimal(x.unit_cost).quantize(Decimal("0.0001"), ROUND_HALF_UP),
            avg_cost_after=averages.get(x.sku),
        )
        for x in lines
        if x.qty_received > 0
    ]
    unit.publish(
        GoodsReceived(
            grn_no=grn_no,
            po_no=grn.po_no,
            supplier_code=grn.supplier_code,
            warehouse_code=grn.warehouse_code,
            lines=receipt_lines,
            reason=grn.reason,
            received_by=who.sub,
            received_at=now,
        ),
        correlation_id=grn.po_no or grn_no,
    )
    await audit.record(
        session, kit, actor=who.sub, entity="goods_receipt", entity_id=grn_no, action="posted",
        before={"status": "draft"}, after={"status": "posted", "override": overridden},
    )  # fmt: skip


async def _check_po(session: AsyncSession, grn: Any, lines: Sequence[Any], who: Principal, override: bool) -> bool:
    """Refuse over-receipt beyond the PO's tolerance unless overridden; record what the PO has received.
    The PO row is locked, so concurrent receipts against one PO are checked one after the other."""
    po = await _open_po(session, grn.po_no, lock=True)
    po_lines = {
        x.line_no: x
        for x in await session.execute(select(purchase_order_lines).where(purchase_order_lines.c.po_no == grn.po_no))
    }
    receiving: dict[int, list[Decimal]] = defaultdict(lambda: [domain.ZERO, domain.ZERO])
    for x in lines:
        receiving[x.po_line_no][0] += x.qty_received
        receiving[x.po_line_no][1] += x.qty_rejected
    over = [
        {"po_line_no": n, "sku": po_lines[n].sku, "ordered": str(po_lines[n].qty),
         "already_received": str(po_lines[n].qty_received), "receiving": str(q[0]),
         "limit": str(domain.tolerance_limit(po_lines[n].qty, po.tolerance_pct))}
        for n, q in sorted(receiving.items())
        if domain.over_tolerance(po_lines[n].qty, po_lines[n].qty_received, q[0], po.tolerance_pct)
    ]  # fmt: skip
    if over and not override:
        raise DomainError(
            "over_tolerance",
            f"receipt exceeds the ordered quantity by more than {po.tolerance_pct}% on {len(over)} line(s); "
            "a purchasing manager may override",
            lines=over,
        )
    if over and not (who.roles & OVERRIDERS):
        raise ForbiddenError("override_not_allowed", "only a purchasing manager may override the receipt tolerance")
    for n, (received, rejected) in receiving.items():
        await session.execute(
            purchase_order_lines.update()
            .where((purchase_order_lines.c.po_no == grn.po_no) & (purchase_order_lines.c.line_no == n))
            .values(
                qty_received=purchase_order_lines.c.qty_received + received,
                qty_rejected=purchase_order_lines.c.qty_rejected + rejected,
            )
        )
    return bool(over)


async def _receive(unit: InventoryUnit, grn: Any, lines: Sequence[Any], actor: str) -> dict[str, Decimal]:
    """Stock in and the moving-average costs updated; the new average per sku received (published with it)."""
    session = unit.session
    accepted = [(x, x.qty_received - x.qty_rejected) for x in lines if x.qty_received - x.qty_rejected > 0]
    by_sku: dict[str, list[Decimal]] = defaultdict(lambda: [domain.ZERO, domain.ZERO])
    for x, qty in accepted:
        by_sku[x.sku][0] += qty
        by_sku[x.sku][1] += qty * x.unit_cost
    averages: dict[str, Decimal] = {}
    for sku in sorted(by_sku):  # products locked in sku order, before the stock rows
        qty, value = by_sku[sku]
        averages[sku] = await update_average_cost(session, sku, qty, value / qty)
    book = StockBook.of(unit)
    await book.lock({(x.sku, grn.warehouse_code) for x, _ in accepted}, create=True)
    for x, qty in accepted:
        book.move(x.sku, grn.warehouse_code, qty, "receipt", reference=grn.grn_no, unit_cost=x.unit_cost, actor=actor)
    await book.flush()
    return averages


async def read(session: AsyncSession, grn_no: str) -> dict[str, Any]:
    grn = (await session.execute(select(goods_receipts).where(goods_receipts.c.grn_no == grn_no))).mappings().first()
    if grn is None:
        raise NotFoundError("goods receipt", grn_no)
    lines = (
        await session.execute(
            select(goods_receipt_lines)
            .where(goods_receipt_lines.c.grn_no == grn_no)
            .order_by(goods_receipt_lines.c.line_no)
        )
    ).mappings()
    return {
        **grn,
        "lines": [{**x, "qty_accepted": x["qty_received"] - x["qty_rejected"]} for x in lines],
    }

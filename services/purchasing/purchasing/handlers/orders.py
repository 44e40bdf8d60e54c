"""Purchase order use cases: approve, send, ship notices, cancel, close, and the one place a purchase order
changes state. Generation from a requisition is in `generation.py`; receipts and bills (consumers) in
`progress.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.schemas import DecisionWrite
from contracts.common import Amounts
from contracts.purchasing import (
    AdvanceShipLine,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderLine,
    PurchaseOrderLineProgress,
    PurchaseOrderSent,
    PurchaseOrderShipped,
    PurchaseOrderStatusChanged,
)
from purchasing.config import PurchasingUnit
from purchasing.db import (
    kit,
    po_status_history,
    products,
    purchase_order_lines,
    purchase_orders,
    requisitions,
)
from purchasing.domain import (
    PO_TRANSITIONS,
    LineProgress,
    TransitionError,
    can_cancel_po,
    check_transition,
    shipment_findings,
)
from purchasing.handlers import approval
from purchasing.handlers.anomalies import raise_anomaly
from purchasing.schemas import Qty
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.inputs import OptionalText


class ShipLineWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    qty_shipped: Qty


class ShipNoticeWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asn_ref: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^\S+$")
    lines: list[ShipLineWrite] = Field(min_length=1)
    carrier: OptionalText = None
    tracking_no: OptionalText = None
    expected_arrival: date | None = None
    partial: bool = Field(default=False, description="more shipments follow: no short-shipment anomaly yet")


# ---- state changes: one place ----------------------------------------------------------------------------
async def lock(session: AsyncSession, po_no: str) -> Any:
    row = (
        await session.execute(select(purchase_orders).where(purchase_orders.c.po_no == po_no).with_for_update())
    ).first()
    if row is None:
        raise NotFoundError("purchase order", po_no)
    return row


async def lines_of(session: AsyncSession, po_no: str) -> list[Any]:
    pol = purchase_order_lines
    return list(await session.execute(select(pol).where(pol.c.po_no == po_no).order_by(pol.c.line_no)))


async def progress_of(session: AsyncSession, po_nos: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The lines' quantities of several purchase orders in one statement (the board's per-line progress)."""
    pol = purchase_order_lines
    query = (
        select(pol.c.po_no, pol.c.line_no, pol.c.sku, pol.c.qty_ordered, pol.c.qty_shipped)
        .add_columns(pol.c.qty_received, pol.c.qty_rejected)
        .where(pol.c.po_no.in_(list(po_nos)))
        .order_by(pol.c.po_no, pol.c.line_no)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in (await session.execute(query)).mappings() if po_nos else ():
        found.setdefault(row["po_no"], []).append(dict(row))
    return found


def progress(lines: Sequence[Any]) -> list[LineProgress]:
    return [
        LineProgress(ln.line_no, ln.sku, ln.qty_ordered, ln.qty_shipped, ln.qty_received, ln.qty_rejected)
        for ln in lines
    ]


async def move(tx: PurchasingUnit, po: Any, target: str, actor: str, reason: str | None = None) -> None:
    """The one place a purchase order changes state: checked, stored, kept in its history, published."""
    try:
        check_transition(PO_TRANSITIONS, f"purchase order {po.po_no}", po.status, target)
    except TransitionError as exc:
        raise DomainError("invalid_transition", str(exc), current=exc.current, target=target) from exc
    await _record_move(tx, po.po_no, po.supplier_code, po.status, target, actor, reason)


async def record_created(tx: PurchasingUnit, po_no: str, supplier: str, actor: str, reason: str) -> None:
    """A new purchase order's first state, `draft` (it has no state to check a transition from)."""
    await _record_move(tx, po_no, supplier, None, "draft", actor, reason)


async def _record_move(
    tx: PurchasingUnit, po_no: str, supplier: str, current: str | None, target: str, actor: str, reason: str | None
) -> None:
    now = tx.now
    values: dict[str, Any] = {"status": target, "updated_at": now}
    if target == "sent":
        values["sent_at"] = now
    await tx.session.execute(update(purchase_orders).where(purchase_orders.c.po_no == po_no).values(**values))
    await tx.session.execute(
        insert(po_status_history).values(
            po_no=po_no, from_status=current, to_status=target, reason=reason, actor=actor, at=now
        )
    )
    await audit_action(tx, actor, po_no, target, after={"status": target, "reason": reason}, before={"status": current})
    tx.publish(
        PurchaseOrderStatusChanged(
            po_no=po_no,
            supplier_code=supplier,
            from_status=current,
            to_status=target,
            reason=reason,
            at=now,
        )
    )


async def audit_action(
    tx: PurchasingUnit, actor: str, po_no: str, action: str, after: Any = None, before: Any = None
) -> None:
    await audit.record(
        tx.session,
        kit,
        actor=actor,
        entity="purchase_order",
        entity_id=po_no,
        action=action,
        before=before,
        after=after,
    )


# ---- approval, sending, shipping, cancel, close ------------------------------------------------------------
async def submit(tx: PurchasingUnit, principal: Principal, po_no: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    cats = (
        await tx.session.scalars(select(products.c.category).where(products.c.sku.in_({ln.sku for ln in lines})))
    ).all()
    again, reason = await _above_requisition(tx.session, po, tx.settings.reapproval_margin_pct)
    await move(tx, po, "pending_approval", principal.sub, reason)
    levels = await approval.begin(
        tx,
        "purchase_order",
        po_no,
        principal.sub,
        po.gross,
        po.currency,
        [c for c in cats if c],
        unless_none=again,
    )
    if not levels:
        await _approved(tx, await lock(tx.session, po_no), None)


async def _above_requisition(session: AsyncSession, po: Any, margin_pct: Decimal) -> tuple[list[str], str | None]:
    """A requisition is approved at its estimate (the cheapest quote); its purchase orders go to the suppliers
    chosen, perhaps dearer. When the requisition's orders together (net, like the estimate) exceed its approved
    amount by more than the margin, the order needs approval again: by the requisition's own approvers, or the
    purchasing manager when the requisition needed none. Returns those levels and the reason ([] and None when
    within the margin)."""
    if po.pr_no is None:
        return [], None
    approved = await session.scalar(select(requisitions.c.amount).where(requisitions.c.pr_no == po.pr_no))
    ordered = await session.scalar(
        select(func.coalesce(func.sum(purchase_orders.c.net), 0)).where(
            purchase_orders.c.pr_no == po.pr_no, purchase_orders.c.status != "cancelled"
        )
    )
    if approved is None or ordered is None or ordered * 100 <= approved * (100 + margin_pct):
        return [], None
    state = await approval.state_of(session, "requisition", po.pr_no)
    levels = list(state.levels) if state is not None and state.levels else ["purchasing_manager"]
    reason = (
        f"ordered {ordered} against requisition {po.pr_no} approved at {approved}, more than {margin_pct}% above: "
        "approval needed again"
    )
    return levels, reason


async def _approved(tx: PurchasingUnit, po: Any, by: str | None) -> None:
    await move(tx, po, "approved", by or "system")
    tx.publish(
        PurchaseOrderApproved(
            po_no=po.po_no,
            supplier_code=po.supplier_code,
            pr_nos=[po.pr_no] if po.pr_no else [],
            amount=po.gross,
            currency=po.currency,
            approved_by=by,
            approved_at=tx.now,
        )
    )


async def decide(tx: PurchasingUnit, principal: Principal, po_no: str, body: DecisionWrite) -> None:
    po = await lock(tx.session, po_no)
    if po.status != "pending_approval":
        raise DomainError("not_pending_approval", f"purchase order {po_no} is {po.status}")
    state = await approval.decide(tx, principal, "purchase_order", po_no, body, po.gross, po.currency)
    if state.status == "approved":
        await _approved(tx, po, principal.sub)
    elif state.status == "rejected":
        comment = state.last_decision.comment if state.last_decision else None
        await move(tx, po, "draft", principal.sub, f"approval rejected: {comment}")


async def send(tx: PurchasingUnit, principal: Principal, po_no: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    await move(tx, po, "sent", principal.sub)
    tx.publish(
        PurchaseOrderSent(
            po_no=po_no,
            supplier_code=po.supplier_code,
            pr_nos=[po.pr_no] if po.pr_no else [],
            warehouse_code=po.warehouse_code,
            lines=[
                PurchaseOrderLine(
                    line_no=ln.line_no,
                    sku=ln.sku,
                    qty=ln.qty_ordered,
                    unit_price=ln.unit_price,
                    tax_rate=ln.tax_rate,
                    expected_date=ln.expected_date if ln.expected_date != po.expected_date else None,
                )
                for ln in lines
            ],
            currency=po.currency,
            totals=Amounts(net=po.net, tax=po.tax, gross=po.gross),
            expected_date=po.expected_date,
            payment_terms_days=po.payment_terms_days,
            tolerance_pct=po.tolerance_pct,
            price_tolerance_pct=po.price_tolerance_pct,
            sent_at=tx.now,
        )
    )


async def ship_notice(tx: PurchasingUnit, principal: Principal, po_no: str, body: ShipNoticeWrite) -> None:
    po = await lock(tx.session, po_no)
    if po.status not in ("sent", "shipped", "partially_received"):
        raise DomainError("not_open_for_shipping", f"purchase order {po_no} is {po.status}")
    lines = {ln.line_no: ln for ln in await lines_of(tx.session, po_no)}
    seen = set()
    for sl in body.lines:
        if sl.line_no not in lines or sl.line_no in seen:
            raise InputError("lines.line_no", f"unknown or repeated line {sl.line_no} of {po_no}")
        seen.add(sl.line_no)
        pol = purchase_order_lines
        await tx.session.execute(
            update(pol)
            .where(pol.c.po_no == po_no, pol.c.line_no == sl.line_no)
            .values(qty_shipped=pol.c.qty_shipped + sl.qty_shipped)
        )
    now = tx.now
    if po.status == "sent":
        await move(tx, po, "shipped", principal.sub, body.asn_ref)
    tx.publish(
        PurchaseOrderShipped(
            po_no=po_no,
            supplier_code=po.supplier_code,
            asn_ref=body.asn_ref,
            lines=[
                AdvanceShipLine(line_no=sl.line_no, sku=lines[sl.line_no].sku, qty_shipped=sl.qty_shipped)
                for sl in body.lines
            ],
            carrier=body.carrier,
            tracking_no=body.tracking_no,
            expected_arrival=body.expected_arrival,
            shipped_at=now,
        )
    )
    await audit_action(tx, principal.sub, po_no, "ship_notice", after=body.model_dump(mode="json"))
    if not body.partial:
        finding = shipment_findings(progress(await lines_of(tx.session, po_no)))
        if finding is not None:
            await raise_anomaly(tx, po, finding, "po")


async def cancel(tx: PurchasingUnit, principal: Principal, po_no: str, reason: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    if not can_cancel_po(po.status, any(ln.qty_received > 0 or ln.qty_rejected > 0 for ln in lines)):
        raise DomainError("cannot_cancel", f"purchase order {po_no} is {po.status}; cancel only before any receipt")
    await move(tx, po, "cancelled", principal.sub, reason)
    tx.publish(
        PurchaseOrderCancelled(
            po_no=po_no,
            supplier_code=po.supplier_code,
            reason=reason,
            cancelled_by=principal.sub,
            cancelled_at=tx.now,
        )
    )


async def close(tx: PurchasingUnit, po: Any, actor: str, reason: str | None) -> None:
    lines = await lines_of(tx.session, po.po_no)
    await move(tx, po, "closed", actor, reason)
    tx.publish(
        PurchaseOrderClosed(
            po_no=po.po_no,
            supplier_code=po.supplier_code,
            lines=[
                PurchaseOrderLineProgress(
                    line_no=ln.line_no,
                    sku=ln.sku,
                    qty_ordered=ln.qty_ordered,
                    qty_shipped=ln.qty_shipped,
                    qty_received=ln.qty_received,
                    qty_rejected=ln.qty_rejected,
                )
                for ln in lines
            ],
            reason=reason,
            closed_at=tx.now,
        )
    )

"""Purchase order use cases: generate from a requisition, approve, send, ship notices, cancel, close.
Receipts and bills (consumers) are in `progress.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select, update
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
    RequisitionOrdered,
)
from purchasing import approval, requisitions
from purchasing.anomalies import raise_anomaly
from purchasing.common import Code, Qty, Tx
from purchasing.db import (
    category_tolerances,
    kit,
    po_status_history,
    products,
    purchase_order_lines,
    purchase_orders,
    requisition_lines,
    supplier_quotes,
    suppliers,
)
from purchasing.domain import (
    PO_TRANSITIONS,
    LineProgress,
    PricedLine,
    TransitionError,
    can_cancel_po,
    check_transition,
    shipment_findings,
    tolerance_for,
    totals,
)
from purchasing.sourcing import LineChoice, Need, Quote, propose, split_by_supplier
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number
from servicekit.runtime import Runtime


class ShipLineWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    qty_shipped: Qty


class ShipNoticeWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asn_ref: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^\S+$")
    lines: list[ShipLineWrite] = Field(min_length=1)
    carrier: str | None = Field(default=None, max_length=200)
    tracking_no: str | None = Field(default=None, max_length=200)
    expected_arrival: date | None = None
    partial: bool = Field(default=False, description="more shipments follow: no short-shipment anomaly yet")


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    supplier_code: Code | None = Field(description="null returns the line to the proposed supplier")


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


def progress(lines: Sequence[Any]) -> list[LineProgress]:
    return [
        LineProgress(ln.line_no, ln.sku, ln.qty_ordered, ln.qty_shipped, ln.qty_received, ln.qty_rejected)
        for ln in lines
    ]


async def move(tx: Tx, po: Any, target: str, actor: str, reason: str | None = None) -> None:
    """The one place a purchase order changes state: checked, stored, kept in its history, published."""
    try:
        check_transition(PO_TRANSITIONS, f"purchase order {po.po_no}", po.status, target)
    except TransitionError as exc:
        raise DomainError("invalid_transition", str(exc), current=exc.current, target=target) from exc
    await _record_move(tx, po.po_no, po.supplier_code, po.status, target, actor, reason)


async def _record_move(
    tx: Tx, po_no: str, supplier: str, current: str | None, target: str, actor: str, reason: str | None
) -> None:
    now = tx.clock.now()
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
    await tx.publish(
        PurchaseOrderStatusChanged(
            po_no=po_no,
            supplier_code=supplier,
            from_status=current,
            to_status=target,
            reason=reason,
            at=now,
        )
    )


async def audit_action(tx: Tx, actor: str, po_no: str, action: str, after: Any = None, before: Any = None) -> None:
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


# ---- sourcing and generation -----------------------------------------------------------------------------
async def proposal(session: AsyncSession, pr_no: str, today: date) -> list[LineChoice]:
    lines = await requisitions.lines_of(session, pr_no)
    needs = [Need(ln.line_no, ln.sku, ln.qty, ln.needed_by, ln.supplier_override) for ln in lines]
    q, s = supplier_quotes, suppliers
    rows = await session.execute(
        select(q, s.c.score)
        .join(s, s.c.code == q.c.supplier_code)
        .where(q.c.sku.in_({n.sku for n in needs}), s.c.active.is_(True))
    )
    quotes = [
        Quote(
            r.id,
            r.supplier_code,
            r.sku,
            r.unit_price,
            r.currency,
            r.min_qty,
            r.lead_time_days,
            r.valid_from,
            r.valid_to,
            r.tax_rate,
            r.score,
        )
        for r in rows
    ]
    return propose(needs, quotes, today)


async def set_overrides(tx: Tx, principal: Principal, pr_no: str, overrides: Sequence[Override]) -> list[LineChoice]:
    pr = await requisitions.lock(tx.session, pr_no)
    if pr.status != "approved":
        raise DomainError("not_approved", f"requisition {pr_no} is {pr.status}; sourcing needs it approved")
    known = {ln.line_no for ln in await requisitions.lines_of(tx.session, pr_no)}
    for o in overrides:
        if o.line_no not in known:
            raise InputError("line_no", f"requisition {pr_no} has no line {o.line_no}")
        await tx.session.execute(
            update(requisition_lines)
            .where(requisition_lines.c.pr_no == pr_no, requisition_lines.c.line_no == o.line_no)
            .values(supplier_override=o.supplier_code)
        )
    choices = await proposal(tx.session, pr_no, tx.clock.now().date())
    for choice in choices:
        if choice.need.override and not choice.overridden:
            raise DomainError(
                "no_valid_quote",
                f"supplier {choice.need.override} has no valid quote for line {choice.need.line_no}"
                f" ({choice.need.sku}, qty {choice.need.qty})",
            )
    await audit.record(
        tx.session,
        kit,
        actor=principal.sub,
        entity="requisition",
        entity_id=pr_no,
        action="sourcing_overridden",
        after=[o.model_dump(mode="json") for o in overrides],
    )
    return choices


async def _tolerance(session: AsyncSession, supplier_pct: Decimal | None, skus: set[str], default: Decimal) -> Decimal:
    ct, p = category_tolerances, products
    pcts = (
        await session.scalars(
            select(ct.c.tolerance_pct).join(p, p.c.category == ct.c.category).where(p.c.sku.in_(skus))
        )
    ).all()
    return tolerance_for(supplier_pct, pcts, default)


async def generate(tx: Tx, runtime: Runtime, principal: Principal, pr_no: str) -> list[str]:
    """One step: an approved requisition becomes one draft purchase order per chosen supplier."""
    pr = await requisitions.lock(tx.session, pr_no)
    if pr.status != "approved":
        raise DomainError("not_approved", f"requisition {pr_no} is {pr.status}; only approved ones are ordered")
    today = tx.clock.now().date()
    choices = await proposal(tx.session, pr_no, today)
    unsourced = [c.need.line_no for c in choices if c.chosen is None]
    if unsourced:
        raise DomainError("unsourced_lines", f"no valid quote for lines {unsourced}", lines=unsourced)
    default_pct = getattr(runtime.settings, "default_tolerance_pct", Decimal("5"))
    po_nos = []
    for supplier_code, group in split_by_supplier(choices).items():
        supplier = (await tx.session.execute(select(suppliers).where(suppliers.c.code == supplier_code))).one()
        po_nos.append(await _create_po(tx, principal, pr, supplier, group, default_pct))
    await requisitions.move(tx.session, tx.clock, pr, "ordered", principal.sub)
    await tx.publish(RequisitionOrdered(pr_no=pr_no, po_nos=po_nos, ordered_at=tx.clock.now()))
    return po_nos


async def _create_po(
    tx: Tx, principal: Principal, pr: Any, supplier: Any, group: list[LineChoice], default_pct: Decimal
) -> str:
    now = tx.clock.now()
    po_no = await next_number(tx.session, kit, "PO", now)
    lines: list[dict[str, Any]] = []
    for i, choice in enumerate(group, start=1):
        assert choice.chosen is not None
        quote = choice.chosen.quote
        lines.append(
            {
                "po_no": po_no,
                "line_no": i,
                "pr_line_no": choice.need.line_no,
                "sku": choice.need.sku,
                "unit_price": quote.unit_price,
                "tax_rate": quote.tax_rate,
                "expected_date": choice.chosen.expected_date,
                "qty_ordered": choice.need.qty,
            }
        )
    net, tax, gross = totals(PricedLine(ln["qty_ordered"], ln["unit_price"], ln["tax_rate"]) for ln in lines)
    tolerance = await _tolerance(tx.session, supplier.tolerance_pct, {ln["sku"] for ln in lines}, default_pct)
    await tx.session.execute(
        insert(purchase_orders).values(
            po_no=po_no,
            supplier_code=supplier.code,
            pr_no=pr.pr_no,
            status="draft",
            currency=group[0].chosen.quote.currency if group[0].chosen else supplier.currency,
            payment_terms_days=supplier.payment_terms_days,
            warehouse_code=pr.warehouse_code,
            expected_date=max(ln["expected_date"] for ln in lines),
            tolerance_pct=tolerance,
            net=net,
            tax=tax,
            gross=gross,
            created_by=principal.sub,
            created_at=now,
            updated_at=now,
        )
    )
    await tx.session.execute(insert(purchase_order_lines), lines)
    await _record_move(tx, po_no, supplier.code, None, "draft", principal.sub, f"from {pr.pr_no}")
    await audit_action(tx, principal.sub, po_no, "created", after={"pr_no": pr.pr_no, "gross": str(gross)})
    return po_no


# ---- approval, sending, shipping, cancel, close ------------------------------------------------------------
async def submit(tx: Tx, runtime: Runtime, principal: Principal, po_no: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    cats = (
        await tx.session.scalars(select(products.c.category).where(products.c.sku.in_({ln.sku for ln in lines})))
    ).all()
    await move(tx, po, "pending_approval", principal.sub)
    levels = await approval.begin(
        tx.session, runtime, "purchase_order", po_no, principal.sub, po.gross, po.currency, [c for c in cats if c]
    )
    if not levels:
        await _approved(tx, await lock(tx.session, po_no), None)


async def _approved(tx: Tx, po: Any, by: str | None) -> None:
    await move(tx, po, "approved", by or "system")
    await tx.publish(
        PurchaseOrderApproved(
            po_no=po.po_no,
            supplier_code=po.supplier_code,
            pr_nos=[po.pr_no] if po.pr_no else [],
            amount=po.gross,
            currency=po.currency,
            approved_by=by,
            approved_at=tx.clock.now(),
        )
    )


async def decide(tx: Tx, runtime: Runtime, principal: Principal, po_no: str, body: DecisionWrite) -> None:
    po = await lock(tx.session, po_no)
    if po.status != "pending_approval":
        raise DomainError("not_pending_approval", f"purchase order {po_no} is {po.status}")
    state = await approval.decide(tx.session, runtime, principal, "purchase_order", po_no, body, po.gross, po.currency)
    if state.status == "approved":
        await _approved(tx, po, principal.sub)
    elif state.status == "rejected":
        comment = state.last_decision.comment if state.last_decision else None
        await move(tx, po, "draft", principal.sub, f"approval rejected: {comment}")


async def send(tx: Tx, principal: Principal, po_no: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    await move(tx, po, "sent", principal.sub)
    await tx.publish(
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
            sent_at=tx.clock.now(),
        )
    )


async def ship_notice(tx: Tx, principal: Principal, po_no: str, body: ShipNoticeWrite) -> None:
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
    now = tx.clock.now()
    if po.status == "sent":
        await move(tx, po, "shipped", principal.sub, body.asn_ref)
    await tx.publish(
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


async def cancel(tx: Tx, principal: Principal, po_no: str, reason: str) -> None:
    po = await lock(tx.session, po_no)
    lines = await lines_of(tx.session, po_no)
    if not can_cancel_po(po.status, any(ln.qty_received > 0 or ln.qty_rejected > 0 for ln in lines)):
        raise DomainError("cannot_cancel", f"purchase order {po_no} is {po.status}; cancel only before any receipt")
    await move(tx, po, "cancelled", principal.sub, reason)
    await tx.publish(
        PurchaseOrderCancelled(
            po_no=po_no,
            supplier_code=po.supplier_code,
            reason=reason,
            cancelled_by=principal.sub,
            cancelled_at=tx.clock.now(),
        )
    )


async def close(tx: Tx, po: Any, actor: str, reason: str | None) -> None:
    lines = await lines_of(tx.session, po.po_no)
    await move(tx, po, "closed", actor, reason)
    await tx.publish(
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
            closed_at=tx.clock.now(),
        )
    )

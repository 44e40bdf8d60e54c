"""Requisition use cases (采购申请): create, submit for approval, decide, cancel, low-stock drafts.
Each runs in the caller's transaction; the API and the consumer open it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.schemas import ApprovalRead, DecisionWrite
from contracts.inventory import LowStockDetected
from contracts.pricing import cents
from contracts.purchasing import (
    RequisitionApproved,
    RequisitionCancelled,
    RequisitionLine,
    RequisitionRejected,
    RequisitionSubmitted,
)
from purchasing.config import PurchasingUnit
from purchasing.db import kit, products, requisition_lines, requisitions, supplier_quotes
from purchasing.domain import OPEN_REQUISITION, REQUISITION_TRANSITIONS, TransitionError, check_transition
from purchasing.handlers import approval
from purchasing.schemas import Code, Money, Qty
from servicekit import audit
from servicekit.audit import AuditEntry
from servicekit.auth import Principal
from servicekit.errors import DomainError, NotFoundError
from servicekit.inputs import OptionalLongText
from servicekit.numbering import next_number

SYSTEM = "system"
LOW_STOCK_REQUESTER = "system:low-stock"
LOW_STOCK_NEEDED_IN_DAYS = 14


class RequisitionLineWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    qty: Qty
    needed_by: date
    note: OptionalLongText = None
    est_unit_price: Money | None = Field(default=None, description="estimate when no quote exists yet")


class RequisitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: str = Field(min_length=1, max_length=200)
    warehouse_code: Code | None = None
    lines: list[RequisitionLineWrite] = Field(min_length=1, max_length=500)


class RequisitionLineRead(RequisitionLineWrite):
    model_config = ConfigDict(extra="ignore")

    line_no: int
    supplier_override: str | None = None


class RequisitionRead(BaseModel):
    pr_no: str
    requester: str
    department: str
    warehouse_code: str
    source: str
    status: str
    status_reason: str | None
    amount: Decimal
    currency: str
    lines: list[RequisitionLineRead]
    approval: ApprovalRead | None = None
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    audit: list[AuditEntry] = Field(default_factory=list, description="every audited change, oldest first")


async def lock(session: AsyncSession, pr_no: str) -> Any:
    row = (await session.execute(select(requisitions).where(requisitions.c.pr_no == pr_no).with_for_update())).first()
    if row is None:
        raise NotFoundError("requisition", pr_no)
    return row


async def lines_of(session: AsyncSession, pr_no: str) -> list[Any]:
    query = select(requisition_lines).where(requisition_lines.c.pr_no == pr_no).order_by(requisition_lines.c.line_no)
    return list(await session.execute(query))


async def move(tx: PurchasingUnit, row: Any, target: str, actor: str, reason: str | None = None) -> None:
    """The one place a requisition changes state: checked against the transition table and audited."""
    try:
        check_transition(REQUISITION_TRANSITIONS, f"requisition {row.pr_no}", row.status, target)
    except TransitionError as exc:
        raise DomainError("invalid_transition", str(exc), current=exc.current, target=target) from exc
    values: dict[str, Any] = {"status": target, "updated_at": tx.now, "status_reason": reason}
    if target == "submitted":
        values["submitted_at"] = tx.now
    await tx.session.execute(update(requisitions).where(requisitions.c.pr_no == row.pr_no).values(**values))
    await audit.record(
        tx.session,
        kit,
        actor=actor,
        entity="requisition",
        entity_id=row.pr_no,
        action=target,
        before={"status": row.status},
        after={"status": target, "reason": reason},
    )


async def create(
    tx: PurchasingUnit,
    actor: str,
    data: RequisitionCreate,
    default_warehouse: str,
    *,
    source: str = "manual",
    low_stock_sku: str | None = None,
) -> str:
    now = tx.now
    pr_no = await next_number(tx.session, kit, "PR", now)
    await tx.session.execute(
        insert(requisitions).values(
            pr_no=pr_no,
            requester=actor,
            department=data.department,
            warehouse_code=data.warehouse_code or default_warehouse,
            source=source,
            status="draft",
            low_stock_sku=low_stock_sku,
            created_at=now,
            updated_at=now,
        )
    )
    await tx.session.execute(
        insert(requisition_lines),
        [{"pr_no": pr_no, "line_no": i, **line.model_dump()} for i, line in enumerate(data.lines, start=1)],
    )
    await audit.record(
        tx.session, kit, actor=actor, entity="requisition", entity_id=pr_no, action="created", after=data
    )
    return pr_no


async def _estimate(session: AsyncSession, lines: Sequence[Any], today: date) -> tuple[Decimal, list[str]]:
    """Estimated amount (line estimate, else the cheapest valid quote) and the lines' product categories."""
    skus = sorted({ln.sku for ln in lines})
    q = supplier_quotes
    rows = await session.execute(
        select(q.c.sku, func.min(q.c.unit_price))
        .where(q.c.sku.in_(skus), q.c.valid_from <= today)
        .where((q.c.valid_to.is_(None)) | (q.c.valid_to >= today))
        .group_by(q.c.sku)
    )
    cheapest: dict[str, Decimal] = {sku: price for sku, price in rows}
    amount = sum(
        (cents(ln.qty * (ln.est_unit_price or cheapest.get(ln.sku) or Decimal("0"))) for ln in lines),
        Decimal("0"),
    )
    cats = (await session.scalars(select(products.c.category).where(products.c.sku.in_(skus)))).all()
    return amount, [c for c in cats if c]


async def submit(tx: PurchasingUnit, principal: Principal, pr_no: str) -> None:
    row = await lock(tx.session, pr_no)
    lines = await lines_of(tx.session, pr_no)
    await move(tx, row, "submitted", principal.sub)
    now = tx.now
    amount, categories = await _estimate(tx.session, lines, now.date())
    await tx.session.execute(update(requisitions).where(requisitions.c.pr_no == pr_no).values(amount=amount))
    tx.publish(
        RequisitionSubmitted(
            pr_no=pr_no,
            requester=row.requester,
            department=row.department,
            source=row.source,
            lines=[
                RequisitionLine(line_no=ln.line_no, sku=ln.sku, qty=ln.qty, needed_by=ln.needed_by, note=ln.note)
                for ln in lines
            ],
            submitted_at=now,
        ),
    )
    # A low-stock draft is requested by the system; whoever submits it owns the request from then on.
    requester = principal.sub if row.requester == LOW_STOCK_REQUESTER else row.requester
    levels = await approval.begin(tx, "requisition", pr_no, requester, amount, row.currency, categories)
    if not levels:
        await _approved(tx, await lock(tx.session, pr_no), SYSTEM, "no approval rule applies")


async def _approved(tx: PurchasingUnit, row: Any, by: str, comment: str | None) -> None:
    await move(tx, row, "approved", by)
    tx.publish(
        RequisitionApproved(pr_no=row.pr_no, approved_by=by, comment=comment, approved_at=tx.now),
    )


async def decide(tx: PurchasingUnit, principal: Principal, pr_no: str, body: DecisionWrite) -> None:
    row = await lock(tx.session, pr_no)
    if row.status != "submitted":
        raise DomainError("not_pending_approval", f"requisition {pr_no} is {row.status}, not submitted")
    state = await approval.decide(tx, principal, "requisition", pr_no, body, row.amount, row.currency)
    d = state.last_decision
    assert d is not None
    if state.status == "approved":
        await _approved(tx, row, principal.sub, d.comment)
    elif state.status == "rejected":
        await move(tx, row, "rejected", principal.sub, d.comment)
        tx.publish(
            RequisitionRejected(
                pr_no=pr_no,
                level=d.level,
                rejected_by=principal.sub,
                comment=d.comment or "rejected",
                rejected_at=tx.now,
            ),
        )


async def cancel(tx: PurchasingUnit, principal: Principal, pr_no: str, reason: str) -> None:
    row = await lock(tx.session, pr_no)
    await move(tx, row, "cancelled", principal.sub, reason)
    tx.publish(
        RequisitionCancelled(pr_no=pr_no, reason=reason, cancelled_by=principal.sub, cancelled_at=tx.now),
    )


async def on_low_stock(tx: PurchasingUnit, msg: LowStockDetected) -> None:
    """Draft a replenishment requisition, unless one is already open for the sku."""
    r, ln = requisitions, requisition_lines
    open_one = await tx.session.scalar(
        select(r.c.pr_no)
        .select_from(r.join(ln, ln.c.pr_no == r.c.pr_no))
        .where(ln.c.sku == msg.sku, r.c.status.in_(OPEN_REQUISITION))
        .limit(1)
    )
    if open_one is not None:
        return
    qty = msg.reorder_qty
    if qty <= 0:
        qty = await tx.session.scalar(select(products.c.reorder_qty).where(products.c.sku == msg.sku)) or Decimal("0")
    if qty <= 0:
        return
    needed_by = msg.detected_at.date() + timedelta(days=LOW_STOCK_NEEDED_IN_DAYS)
    data = RequisitionCreate(
        department="replenishment",
        warehouse_code=msg.warehouse_code,
        lines=[RequisitionLineWrite(sku=msg.sku, qty=qty, needed_by=needed_by, note="low stock")],
    )
    await create(tx, LOW_STOCK_REQUESTER, data, msg.warehouse_code, source="low_stock", low_stock_sku=msg.sku)


async def read(session: AsyncSession, pr_no: str, *, with_audit: bool = True) -> RequisitionRead:
    row = (await session.execute(select(requisitions).where(requisitions.c.pr_no == pr_no))).mappings().first()
    if row is None:
        raise NotFoundError("requisition", pr_no)
    lines = [RequisitionLineRead.model_validate(ln._mapping) for ln in await lines_of(session, pr_no)]
    state = await approval.state_of(session, "requisition", pr_no)
    return RequisitionRead.model_validate(
        dict(row)
        | {"lines": lines, "approval": ApprovalRead.of(state) if state else None}
        | {"audit": await audit.trail(session, kit, "requisition", pr_no) if with_audit else []}
    )

"""HTTP API of purchase orders: the red-first list, detail with progress / anomalies / history, and the
buyer's actions (submit for approval, decide, send, ship notice, cancel, close)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.schemas import ApprovalRead, DecisionWrite
from contracts.purchasing import AnomalyType
from purchasing.api import files
from purchasing.api.approval_rules import DECIDERS
from purchasing.config import RuntimeDep
from purchasing.db import kit, po_anomalies, po_documents, po_status_history, purchase_orders
from purchasing.handlers import approval, orders
from servicekit import audit
from servicekit.audit import AuditEntry
from servicekit.auth import Principal, require
from servicekit.errors import DomainError, NotFoundError
from servicekit.tabular import FormatQuery
from servicekit.unit import unit_of

router = APIRouter(tags=["purchase orders"])
BUYER = require("purchaser")
READ = require("purchaser", "purchasing_manager", "finance", "finance_manager", "warehouse", read=True)


class ReasonWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class CloseWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, min_length=1, max_length=2000)


class PoLineRead(BaseModel):
    line_no: int
    pr_line_no: int | None
    sku: str
    unit_price: Decimal
    tax_rate: Decimal
    expected_date: date
    qty_ordered: Decimal
    qty_shipped: Decimal
    qty_received: Decimal
    qty_rejected: Decimal
    qty_billed: Decimal


class AnomalyRead(BaseModel):
    id: Any
    anomaly_type: str
    severity: str
    details: str
    lines: list[Any]
    grn_no: str | None
    bill_no: str | None
    status: str
    raised_at: datetime
    resolved_at: datetime | None


class HistoryRead(BaseModel):
    from_status: str | None
    to_status: str
    reason: str | None
    actor: str
    at: datetime


class LineProgress(BaseModel):
    line_no: int
    sku: str
    qty_ordered: Decimal
    qty_shipped: Decimal
    qty_received: Decimal
    qty_rejected: Decimal


class PoSummary(BaseModel):
    po_no: str
    supplier_code: str
    pr_no: str | None
    status: str
    currency: str
    gross: Decimal
    expected_date: date
    created_at: datetime
    open_anomalies: int
    anomaly_types: list[str] = Field(description="the open anomalies' types (overdue, short_receipt, …)")
    red: bool
    line_progress: list[LineProgress] = Field(default_factory=list, description="per line, in the list only")


class PoDocumentRead(BaseModel):
    kind: str = Field(description="grn (goods receipt), bill, asn (ship notice)")
    ref: str
    at: datetime


class PoRead(PoSummary):
    payment_terms_days: int
    warehouse_code: str
    tolerance_pct: Decimal
    price_tolerance_pct: Decimal
    net: Decimal
    tax: Decimal
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    lines: list[PoLineRead]
    anomalies: list[AnomalyRead]
    history: list[HistoryRead]
    approval: ApprovalRead | None
    documents: list[PoDocumentRead] = Field(description="the receipts, bills and ship notices linked to it")
    audit: list[AuditEntry] = Field(description="every audited change (ship notices with their lines)")


async def read(session: AsyncSession, po_no: str) -> PoRead:
    row = (await session.execute(select(purchase_orders).where(purchase_orders.c.po_no == po_no))).mappings().first()
    if row is None:
        raise NotFoundError("purchase order", po_no)
    lines = [PoLineRead.model_validate(ln._mapping) for ln in await orders.lines_of(session, po_no)]
    a, h = po_anomalies, po_status_history
    anomalies = [
        AnomalyRead.model_validate(dict(r))
        for r in (await session.execute(select(a).where(a.c.po_no == po_no).order_by(a.c.raised_at))).mappings()
    ]
    history = [
        HistoryRead.model_validate(dict(r))
        for r in (await session.execute(select(h).where(h.c.po_no == po_no).order_by(h.c.id))).mappings()
    ]
    state = await approval.state_of(session, "purchase_order", po_no)
    d = po_documents
    documents = [
        PoDocumentRead.model_validate(dict(r))
        for r in (await session.execute(select(d).where(d.c.po_no == po_no).order_by(d.c.at))).mappings()
    ]
    open_types = sorted({x.anomaly_type for x in anomalies if x.status == "open"})
    open_count = sum(1 for x in anomalies if x.status == "open")
    return PoRead.model_validate(
        dict(row)
        | {
            "lines": lines,
            "anomalies": anomalies,
            "history": history,
            "approval": ApprovalRead.of(state) if state else None,
            "open_anomalies": open_count,
            "anomaly_types": open_types,
            "red": open_count > 0,
            "documents": documents,
            "audit": await audit.trail(session, kit, "purchase_order", po_no),
        }
    )


@router.get("/purchase-orders", response_model=list[PoSummary])
async def list_purchase_orders(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(READ)],
    status: Annotated[list[str] | None, Query(description="one or more states")] = None,
    supplier_code: str | None = None,
    pr_no: str | None = None,
    anomalies_only: bool = False,
    anomaly: Annotated[list[AnomalyType] | None, Query(description="with an open anomaly of these types")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    """The purchase-order board: those with open anomalies ("red") first, then the most recent; each row
    with its open anomaly types and its lines' progress (ordered / shipped / received / rejected)."""
    po, a = purchase_orders, po_anomalies
    # One pass over the (few) open anomalies joined to the orders: cheaper than two lookups per order.
    open_ = (
        select(a.c.po_no, func.count().label("n"), func.array_agg(func.distinct(a.c.anomaly_type)).label("types"))
        .where(a.c.status == "open")
        .group_by(a.c.po_no)
        .subquery()
    )
    open_count = func.coalesce(open_.c.n, 0)
    query = (
        select(po, open_count.label("n"), open_.c.types)
        .select_from(po.outerjoin(open_, open_.c.po_no == po.c.po_no))
        .order_by(open_count.desc(), po.c.created_at.desc(), po.c.po_no.desc())
        .limit(limit)
        .offset(offset)
    )
    if status:
        query = query.where(po.c.status.in_(status))
    if supplier_code:
        query = query.where(po.c.supplier_code == supplier_code)
    if pr_no:
        query = query.where(po.c.pr_no == pr_no)
    if anomalies_only:
        query = query.where(open_.c.n.is_not(None))
    if anomaly:
        query = query.where(
            exists().where(a.c.po_no == po.c.po_no, a.c.status == "open", a.c.anomaly_type.in_(anomaly))
        )
    if format:
        return files.export_purchase_orders(runtime.db, query.limit(None).offset(None), format)
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query)).mappings().all()
        progress = await orders.progress_of(session, [r["po_no"] for r in rows])
    return [
        PoSummary.model_validate(
            dict(r)
            | {"open_anomalies": r["n"], "anomaly_types": sorted(r["types"] or []), "red": r["n"] > 0}
            | {"line_progress": progress.get(r["po_no"], [])}
        )
        for r in rows
    ]


@router.get("/purchase-orders/{po_no}", response_model=PoRead)
async def get_purchase_order(po_no: str, runtime: RuntimeDep, _: Annotated[Principal, Depends(READ)]) -> PoRead:
    async with runtime.db.transaction() as session:
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/submit", response_model=PoRead)
async def submit_purchase_order(
    po_no: str, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> PoRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await orders.submit(tx, principal, po_no)
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/decisions", response_model=PoRead)
async def decide_purchase_order(
    po_no: str, body: DecisionWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(DECIDERS)]
) -> PoRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await orders.decide(tx, principal, po_no, body)
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/send", response_model=PoRead)
async def send_purchase_order(
    po_no: str, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> PoRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await orders.send(tx, principal, po_no)
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/ship-notices", response_model=PoRead)
async def record_ship_notice(
    po_no: str, body: orders.ShipNoticeWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> PoRead:
    """The supplier's advance ship notice (ASN), entered by the buyer or a supplier integration."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await orders.ship_notice(tx, principal, po_no, body)
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/cancel", response_model=PoRead)
async def cancel_purchase_order(
    po_no: str, body: ReasonWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> PoRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await orders.cancel(tx, principal, po_no, body.reason)
        return await read(session, po_no)


@router.post("/purchase-orders/{po_no}/close", response_model=PoRead)
async def close_purchase_order(
    po_no: str,
    body: CloseWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("purchaser", "purchasing_manager"))],
) -> PoRead:
    """Close explicitly: a fully received order, or one received in part that will get nothing more."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        po = await orders.lock(session, po_no)
        if po.status == "partially_received" and not body.reason:
            raise DomainError("reason_required", "closing a partially received order short needs a reason")
        await orders.close(tx, po, principal.sub, body.reason)
        return await read(session, po_no)

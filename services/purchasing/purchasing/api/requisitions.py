"""HTTP API of requisitions: create, submit, decide (approval levels), cancel, sourcing, ordering."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from approvals.schemas import DecisionWrite
from purchasing.api import files
from purchasing.api.approval_rules import DECIDERS
from purchasing.config import PurchasingUnit, RuntimeDep
from purchasing.db import requisition_lines as rl
from purchasing.db import requisitions as requisitions_table
from purchasing.handlers import generation, requisitions
from purchasing.handlers.requisitions import RequisitionCreate, RequisitionRead
from purchasing.sourcing import LineChoice, Option
from servicekit.auth import Principal, require
from servicekit.errors import InputError
from servicekit.idempotency import create_once
from servicekit.inputs import RowId
from servicekit.tabular import FormatQuery
from servicekit.unit import unit_of

router = APIRouter(tags=["requisitions"])
BUYER = require("purchaser")
READ = require("purchaser", "purchasing_manager", read=True)


class CancelWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class OptionRead(BaseModel):
    supplier_code: str
    quote_id: RowId
    unit_price: Any
    currency: str
    lead_time_days: int
    expected_date: Any
    meets_needed_by: bool
    supplier_score: Any | None

    @classmethod
    def of(cls, o: Option) -> OptionRead:
        q = o.quote
        return cls(
            supplier_code=q.supplier_code,
            quote_id=q.quote_id,
            unit_price=q.unit_price,
            currency=q.currency,
            lead_time_days=q.lead_time_days,
            expected_date=o.expected_date,
            meets_needed_by=o.meets_needed_by,
            supplier_score=q.supplier_score,
        )


class SourcingLineRead(BaseModel):
    line_no: int
    sku: str
    qty: Any
    needed_by: Any
    chosen: OptionRead | None
    overridden: bool
    alternatives: list[OptionRead]


class SourcingRead(BaseModel):
    pr_no: str
    lines: list[SourcingLineRead]
    split: dict[str, list[int]] = Field(description="supplier code → requisition line numbers (one PO each)")


class OverridesWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overrides: list[generation.Override] = Field(min_length=1)


class OrderedRead(BaseModel):
    pr_no: str
    po_nos: list[str]


def _sourcing(pr_no: str, choices: list[LineChoice]) -> SourcingRead:
    split: dict[str, list[int]] = {}
    for c in choices:
        if c.chosen is not None:
            split.setdefault(c.chosen.quote.supplier_code, []).append(c.need.line_no)
    return SourcingRead(
        pr_no=pr_no,
        lines=[
            SourcingLineRead(
                line_no=c.need.line_no,
                sku=c.need.sku,
                qty=c.need.qty,
                needed_by=c.need.needed_by,
                chosen=OptionRead.of(c.chosen) if c.chosen else None,
                overridden=c.overridden,
                alternatives=[OptionRead.of(o) for o in c.alternatives],
            )
            for c in choices
        ],
        split=dict(sorted(split.items())),
    )


@router.post("/requisitions", status_code=201, response_model=RequisitionRead)
async def create_requisition(
    body: RequisitionCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(BUYER)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def work(tx: PurchasingUnit) -> Any:
        warehouse = body.warehouse_code or tx.settings.default_warehouse
        if warehouse is None:
            raise InputError("warehouse_code", "required: no default warehouse is configured")
        pr_no = await requisitions.create(tx, principal.sub, body, warehouse)
        return (await requisitions.read(tx.session, pr_no)).model_dump(mode="json")

    return await create_once(
        runtime, response, key=idempotency_key, principal=principal.sub, endpoint="POST /requisitions", body=body,
        work=work,
    )  # fmt: skip


@router.get("/requisitions", response_model=list[RequisitionRead])
async def list_requisitions(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(READ)],
    status: str | None = None,
    sku: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    """Requisitions, the most recent first (without their audit trail: that is on the requisition's page)."""
    r = requisitions_table
    query = select(r.c.pr_no).order_by(r.c.created_at.desc(), r.c.pr_no.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(r.c.status == status)
    if sku:
        query = query.where(r.c.pr_no.in_(select(rl.c.pr_no).where(rl.c.sku == sku)))
    if format:
        return files.export_requisitions(runtime.db, query.with_only_columns(*r.c).limit(None).offset(None), format)
    async with runtime.db.transaction() as session:
        numbers = (await session.scalars(query)).all()
        return [await requisitions.read(session, pr_no, with_audit=False) for pr_no in numbers]


@router.get("/requisitions/{pr_no}", response_model=RequisitionRead)
async def get_requisition(pr_no: str, runtime: RuntimeDep, _: Annotated[Principal, Depends(READ)]) -> RequisitionRead:
    async with runtime.db.transaction() as session:
        return await requisitions.read(session, pr_no)


@router.post("/requisitions/{pr_no}/submit", response_model=RequisitionRead)
async def submit_requisition(
    pr_no: str, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> RequisitionRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await requisitions.submit(tx, principal, pr_no)
        return await requisitions.read(session, pr_no)


@router.post("/requisitions/{pr_no}/decisions", response_model=RequisitionRead)
async def decide_requisition(
    pr_no: str, body: DecisionWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(DECIDERS)]
) -> RequisitionRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await requisitions.decide(tx, principal, pr_no, body)
        return await requisitions.read(session, pr_no)


@router.post("/requisitions/{pr_no}/cancel", response_model=RequisitionRead)
async def cancel_requisition(
    pr_no: str, body: CancelWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> RequisitionRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        await requisitions.cancel(tx, principal, pr_no, body.reason)
        return await requisitions.read(session, pr_no)


@router.get("/requisitions/{pr_no}/sourcing", response_model=SourcingRead)
async def get_sourcing(pr_no: str, runtime: RuntimeDep, _: Annotated[Principal, Depends(READ)]) -> SourcingRead:
    async with runtime.db.transaction() as session:
        await requisitions.read(session, pr_no)  # 404 when unknown
        return _sourcing(pr_no, await generation.proposal(session, pr_no, runtime.clock.now().date()))


@router.post("/requisitions/{pr_no}/sourcing", response_model=SourcingRead)
async def override_sourcing(
    pr_no: str, body: OverridesWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> SourcingRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        choices = await generation.set_overrides(tx, principal, pr_no, body.overrides)
        return _sourcing(pr_no, choices)


@router.post("/requisitions/{pr_no}/purchase-orders", status_code=201, response_model=OrderedRead)
async def order_requisition(
    pr_no: str, runtime: RuntimeDep, principal: Annotated[Principal, Depends(BUYER)]
) -> OrderedRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        po_nos = await generation.generate(tx, principal, pr_no)
    return OrderedRead(pr_no=pr_no, po_nos=po_nos)

"""The sales order approval rules (shared engine `approvals`, document type `sales_order`): an amount
threshold and/or a maximum discount puts an order in `pending_approval` for the listed roles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from approvals.domain import DocumentType
from approvals.schemas import RuleRead, RuleSetRead, RuleSetWrite, WaitingRead
from approvals.store import load_rules, replace_rules, waiting_for
from sales.db import approval, kit, orders
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.tabular import FormatQuery

router = APIRouter(tags=["approval rules"])
SALES_ORDER: DocumentType = "sales_order"


@router.get("/approvals/waiting", response_model=list[WaitingRead], tags=["approvals"])
async def waiting_for_me(
    runtime: RuntimeDep, principal: Annotated[Principal, Depends(require("sales_manager"))]
) -> list[WaitingRead]:
    """Sales orders in `pending_approval` whose current level waits for one of the caller's roles (the
    approvals inbox; purchasing serves its requisitions and purchase orders), oldest request first."""
    w = waiting_for(approval, principal.sub, sorted(principal.roles), [SALES_ORDER]).subquery()
    query = (
        select(w, orders.c.customer_code.label("party"), orders.c.gross.label("amount"), orders.c.currency)
        .join(orders, orders.c.order_no == w.c.document_no)
        .where(orders.c.status == "pending_approval")
        .order_by(w.c.requested_at, w.c.document_no)
        .limit(500)
    )
    async with runtime.db.transaction() as session:
        return [WaitingRead.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]


@router.get("/approval-rules", response_model=RuleSetRead)
async def get_rules(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require("sales", "sales_manager", read=True))],
    format: FormatQuery = None,
) -> Any:
    async with runtime.db.transaction() as session:
        rules = await load_rules(session, approval, SALES_ORDER)
    found = RuleSetRead(document_type=SALES_ORDER, rules=[RuleRead.of(r) for r in rules])
    return found.export(format) if format else found


@router.put("/approval-rules", response_model=RuleSetRead)
async def put_rules(
    body: RuleSetWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
) -> RuleSetRead:
    async with runtime.db.transaction() as session:
        before = await load_rules(session, approval, SALES_ORDER)
        saved = await replace_rules(session, approval, SALES_ORDER, [r.to_rule(SALES_ORDER) for r in body.rules])
        read = RuleSetRead(document_type=SALES_ORDER, rules=[RuleRead.of(r) for r in saved])
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="approval_rules",
            entity_id=SALES_ORDER,
            action="replaced",
            before=[RuleRead.of(r).model_dump(mode="json") for r in before],
            after=read,
        )
    return read

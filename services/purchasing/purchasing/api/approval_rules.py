"""The purchasing approval rules (shared engine `approvals`, document types `requisition` and `purchase_order`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from approvals.schemas import RuleRead, RuleSetRead, RuleSetWrite, WaitingRead
from approvals.store import load_rules
from purchasing.db import approval
from purchasing.handlers.approval import DocumentType, set_rules, waiting
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.tabular import FormatQuery

router = APIRouter(tags=["approval rules"])
# Who may try to decide: any staff role a rule can name; the engine then checks the level's role (403).
DECIDERS = require("purchaser", "purchasing_manager", "finance", "finance_manager", "sales_manager", "warehouse")


@router.get("/approval-rules/{document_type}", response_model=RuleSetRead)
async def get_rules(
    document_type: DocumentType,
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require("purchaser", "purchasing_manager", read=True))],
    format: FormatQuery = None,
) -> Any:
    async with runtime.db.transaction() as session:
        rules = await load_rules(session, approval, document_type)
    found = RuleSetRead(document_type=document_type, rules=[RuleRead.of(r) for r in rules])
    return found.export(format) if format else found


@router.put("/approval-rules/{document_type}", response_model=RuleSetRead)
async def put_rules(
    document_type: DocumentType,
    body: RuleSetWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("purchasing_manager"))],
) -> RuleSetRead:
    async with runtime.db.transaction() as session:
        return await set_rules(session, principal.sub, document_type, body)


@router.get("/approvals/waiting", response_model=list[WaitingRead], tags=["approvals"])
async def waiting_for_me(runtime: RuntimeDep, principal: Annotated[Principal, Depends(DECIDERS)]) -> list[WaitingRead]:
    """Requisitions and purchase orders whose current approval level waits for one of the caller's roles
    (the approvals inbox; sales serves the sales orders'), oldest request first."""
    async with runtime.db.transaction() as session:
        return await waiting(session, principal)

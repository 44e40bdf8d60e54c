"""The purchasing approval rules (shared engine `approvals`, document types `requisition` and `purchase_order`) and
the approvals inbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from approvals.router import rules_router
from approvals.schemas import WaitingRead, export_waiting
from purchasing.config import RuntimeDep
from purchasing.db import approval, kit
from purchasing.handlers.approval import waiting
from servicekit.auth import Principal, require
from servicekit.tabular.export import FormatQuery

router = rules_router(
    approval,
    kit,
    document_types=("requisition", "purchase_order"),
    readers=("purchaser", "purchasing_manager"),
    manager="purchasing_manager",
)
# Who may try to decide: any staff role a rule can name; the engine then checks the level's role (403).
DECIDERS = require("purchaser", "purchasing_manager", "finance", "finance_manager", "sales_manager", "warehouse")


@router.get("/approvals/waiting", response_model=list[WaitingRead], tags=["approvals"])
async def waiting_for_me(
    runtime: RuntimeDep, principal: Annotated[Principal, Depends(DECIDERS)], format: FormatQuery = None
) -> Any:
    """Requisitions and purchase orders whose current approval level waits for one of the caller's roles
    (the approvals inbox; sales serves the sales orders'), oldest request first."""
    async with runtime.db.transaction() as session:
        items = await waiting(session, principal)
    return export_waiting(items, format) if format else items

"""The sales approval rules (shared engine `approvals`, document type `sales_order`) and the approvals inbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import select

from approvals.router import rules_router
from approvals.schemas import WaitingRead, export_waiting
from approvals.store import waiting_for
from sales.config import RuntimeDep
from sales.db import approval, kit, orders
from servicekit.auth import Principal, require
from servicekit.tabular.export import FormatQuery

SALES_ORDER = "sales_order"

router = rules_router(
    approval, kit, document_types=(SALES_ORDER,), readers=("sales", "sales_manager"), manager="sales_manager"
)


@router.get("/approvals/waiting", response_model=list[WaitingRead], tags=["approvals"])
async def waiting_for_me(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
    format: FormatQuery = None,
) -> Any:
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
        items = [WaitingRead.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]
    return export_waiting(items, format) if format else items

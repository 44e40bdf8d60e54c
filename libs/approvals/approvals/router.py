"""The editable approval rules of a service's documents over HTTP, written once for every service that uses the
engine: read them (`GET`; `format=csv|xlsx` exports them), replace them whole (`PUT`, audited).

A service with one document type serves them at `/approval-rules` (sales: `sales_order`); one with several at
`/approval-rules/{document_type}` (purchasing: `requisition`, `purchase_order`)."""

# No `from __future__ import annotations`: an endpoint's annotation names this call's own Literal of document types,
# which FastAPI must see as an object, not as a name to look up.

from typing import Any, Literal

from fastapi import APIRouter, Depends

from approvals.schemas import RuleRead, RuleSetRead, RuleSetWrite
from approvals.store import ApprovalTables, load_rules, replace_rules
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.db import KitTables
from servicekit.runtime import Runtime
from servicekit.tabular import ExportFormat, FormatQuery


def rules_router(
    approval: ApprovalTables,
    tables: KitTables,
    *,
    document_types: tuple[str, ...],
    readers: tuple[str, ...],
    manager: str,
) -> APIRouter:
    """The rules router of a service: `readers` (and the auditor) read them, `manager` replaces them."""
    router = APIRouter(tags=["approval rules"])
    reader, writer = Depends(require(*readers, read=True)), Depends(require(manager))

    async def read(runtime: Runtime[Any], document_type: Any, format: ExportFormat | None) -> Any:
        async with runtime.db.transaction() as session:
            rules = await load_rules(session, approval, document_type)
        found = RuleSetRead(document_type=document_type, rules=[RuleRead.of(r) for r in rules])
        return found.export(format) if format else found

    async def replace(runtime: Runtime[Any], actor: str, document_type: Any, body: RuleSetWrite) -> RuleSetRead:
        async with runtime.db.transaction() as session:
            before = await load_rules(session, approval, document_type)
            rules = [r.to_rule(document_type) for r in body.rules]
            saved = await replace_rules(session, approval, document_type, rules)
            result = RuleSetRead(document_type=document_type, rules=[RuleRead.of(r) for r in saved])
            await audit.record(
                session,
                tables,
                actor=actor,
                entity="approval_rules",
                entity_id=document_type,
                action="replaced",
                before=[RuleRead.of(r).model_dump(mode="json") for r in before],
                after=result.model_dump(mode="json"),
            )
        return result

    if len(document_types) == 1:
        (only,) = document_types

        @router.get("/approval-rules", response_model=RuleSetRead, name="get_rules")
        async def get_one(runtime: RuntimeDep, _: Principal = reader, format: FormatQuery = None) -> Any:
            return await read(runtime, only, format)

        @router.put("/approval-rules", response_model=RuleSetRead, name="put_rules")
        async def put_one(body: RuleSetWrite, runtime: RuntimeDep, principal: Principal = writer) -> RuleSetRead:
            return await replace(runtime, principal.sub, only, body)

        return router

    kind: Any = Literal[document_types]  # the path names one of them; any other is a 422

    @router.get("/approval-rules/{document_type}", response_model=RuleSetRead, name="get_rules")
    async def get_of(
        document_type: kind, runtime: RuntimeDep, _: Principal = reader, format: FormatQuery = None
    ) -> Any:
        return await read(runtime, document_type, format)

    @router.put("/approval-rules/{document_type}", response_model=RuleSetRead, name="put_rules")
    async def put_of(
        document_type: kind,
        body: RuleSetWrite,
        runtime: RuntimeDep,
        principal: Principal = writer,
    ) -> RuleSetRead:
        return await replace(runtime, principal.sub, document_type, body)

    return router

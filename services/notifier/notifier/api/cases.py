"""Exception cases (异常单): list, detail, work them (assign, comment, link, escalate, resolve, close)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from contracts.common import Role
from notifier.api import files
from notifier.api.deps import Staff, StaffRead
from notifier.config import NotifierRuntime, NotifierUnit, RuntimeDep
from notifier.db import case_comments, case_history, case_links, cases, kit
from notifier.domain.cases import OPEN_STATES, is_breached, may_work, sla_seconds_left
from notifier.handlers import cases as handle
from notifier.handlers import escalation
from servicekit import audit
from servicekit.audit import row_json
from servicekit.auth import Principal
from servicekit.errors import NotFoundError
from servicekit.inputs import OptionalLongText
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["cases"])


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    user: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _someone(self) -> AssignBody:
        if self.role is None and self.user is None:
            raise ValueError("role or user")
        return self


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=4000)


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_type: str = Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$")
    doc_id: str = Field(min_length=1, max_length=128)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=1, max_length=2000)


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: OptionalLongText = None


def with_sla(row: Any, now: datetime) -> dict[str, Any]:
    """The case as JSON with its SLA as the queue shows it: seconds left (negative past it) and breached."""
    return {
        **row_json(row),
        "sla_seconds_left": sla_seconds_left(row["state"], row["sla_due_at"], now),
        "sla_breached": is_breached(row["state"], row["sla_due_at"], now),
    }


@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep,
    _: StaffRead,
    state: str | None = None,
    active: Annotated[bool, Query(description="only open, processing and escalated cases")] = False,
    sort: Annotated[
        Literal["opened", "sla"], Query(description="`opened`: newest first; `sla`: least time left first")
    ] = "opened",
    case_type: str | None = None,
    supplier_code: str | None = None,
    customer_code: str | None = None,
    opened_from: AwareDatetime | None = None,
    opened_to: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    order = (cases.c.sla_due_at, cases.c.case_no) if sort == "sla" else (cases.c.opened_at.desc(), cases.c.case_no)
    query = select(cases).order_by(*order).limit(limit).offset(offset)
    if active:
        query = query.where(cases.c.state.in_(OPEN_STATES))
    for column, value in (
        (cases.c.state, state),
        (cases.c.case_type, case_type),
        (cases.c.supplier_code, supplier_code),
        (cases.c.customer_code, customer_code),
    ):
        if value is not None:
            query = query.where(column == value)
    if opened_from:
        query = query.where(cases.c.opened_at >= opened_from)
    if opened_to:
        query = query.where(cases.c.opened_at < opened_to)
    if format:
        return export_query(runtime.db, query.limit(None).offset(None), files.CASES, fmt=format, name="cases")
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query)).mappings().all()
    now = runtime.clock.now()
    return [with_sla(r, now) for r in rows]


@router.get("/cases/{case_no}")
async def get_case(case_no: str, runtime: RuntimeDep, _: StaffRead) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        row = (await session.execute(select(cases).where(cases.c.case_no == case_no))).mappings().first()
        if row is None:
            raise NotFoundError("case", case_no)
        comments = (
            (
                await session.execute(
                    select(case_comments).where(case_comments.c.case_no == case_no).order_by(case_comments.c.id)
                )
            )
            .mappings()
            .all()
        )
        links = (await session.execute(select(case_links).where(case_links.c.case_no == case_no))).mappings().all()
        history = (
            (
                await session.execute(
                    select(case_history).where(case_history.c.case_no == case_no).order_by(case_history.c.id)
                )
            )
            .mappings()
            .all()
        )
    return {
        **with_sla(row, runtime.clock.now()),
        "comments": [row_json(c) for c in comments],
        "links": [{"doc_type": link["doc_type"], "doc_id": link["doc_id"]} for link in links],
        "history": [row_json(h) for h in history],
    }


async def _act(
    runtime: NotifierRuntime, principal: Principal, case_no: str, action: str, work: Any, *, owners_only: bool = True
) -> dict[str, Any]:
    """Do `work` on the case, audited; `owners_only`: only those who may work the case (domain.cases.may_work)."""
    settings = runtime.settings
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        before = await handle.load_for_update(session, case_no)
        if owners_only and not may_work(
            before.assignee_user, before.assignee_role, principal.sub, principal.roles, settings.case_managers
        ):
            owner = before.assignee_user or before.assignee_role or "a manager"
            raise HTTPException(403, f"case {case_no} is worked by {owner} (or its manager); others may comment")
        await work(unit)
        after = (await session.execute(select(cases).where(cases.c.case_no == case_no))).mappings().one()
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="case",
            entity_id=case_no,
            action=action,
            before=row_json(before._mapping),
            after=row_json(after),
        )
    return row_json(after)


@router.post("/cases/{case_no}/assign")
async def assign_case(case_no: str, body: AssignBody, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    return await _act(
        runtime,
        principal,
        case_no,
        "assigned",
        lambda unit: handle.assign(unit, case_no, principal.sub, body.role, body.user),
    )


@router.post("/cases/{case_no}/comments", status_code=201)
async def comment_case(case_no: str, body: CommentBody, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    return await _act(
        runtime,
        principal,
        case_no,
        "commented",
        lambda unit: handle.comment(unit, case_no, principal.sub, body.body),
        owners_only=False,
    )


@router.post("/cases/{case_no}/links", status_code=201)
async def link_case(case_no: str, body: LinkBody, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    return await _act(
        runtime,
        principal,
        case_no,
        "linked",
        lambda unit: handle.link(unit, case_no, body.doc_type, body.doc_id),
        owners_only=False,
    )


@router.post("/cases/{case_no}/escalate")
async def escalate_case(case_no: str, body: EscalateBody, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    async def work(unit: NotifierUnit) -> None:
        case = await handle.load_for_update(unit.session, case_no)
        await escalation.escalate(unit, case, principal.sub, "manual")

    return await _act(runtime, principal, case_no, "escalated", work)


@router.post("/cases/{case_no}/resolve")
async def resolve_case(case_no: str, body: ResolveBody, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    return await _act(
        runtime,
        principal,
        case_no,
        "resolved",
        lambda unit: handle.resolve(unit, case_no, principal.sub, body.resolution),
    )


@router.post("/cases/{case_no}/close")
async def close_case(case_no: str, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    return await _act(runtime, principal, case_no, "closed", lambda unit: handle.close(unit, case_no, principal.sub))

"""The in-app inbox: what was sent to me and to my roles; unread count; mark read (per user)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from notifier.api import files
from notifier.api.deps import Anyone
from notifier.db import alerts, inbox_items, inbox_reads
from servicekit.app import RuntimeDep
from servicekit.auth import Principal
from servicekit.errors import NotFoundError
from servicekit.inputs import RowId
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["inbox"])


class InboxItem(BaseModel):
    id: int
    alert_id: str
    recipient_kind: str
    recipient: str
    severity: str
    rule_code: str
    subject_type: str
    subject_id: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    case_no: str | None
    created_at: datetime
    read: bool


def _mine(principal: Principal) -> Any:
    return or_(
        and_(inbox_items.c.recipient_kind == "user", inbox_items.c.recipient == principal.sub),
        and_(inbox_items.c.recipient_kind == "role", inbox_items.c.recipient.in_(sorted(principal.roles))),
    )


def _read_by(principal: Principal) -> Any:
    return exists().where(inbox_reads.c.item_id == inbox_items.c.id, inbox_reads.c.user_id == principal.sub)


@router.get("/inbox", response_model=list[InboxItem])
async def list_inbox(
    runtime: RuntimeDep,
    principal: Anyone,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: RowId | None = None,
    format: FormatQuery = None,
) -> Any:
    read = _read_by(principal)
    query = (
        select(
            inbox_items.c.id,
            inbox_items.c.recipient_kind,
            inbox_items.c.recipient,
            inbox_items.c.created_at,
            alerts,
            read.label("read"),
        )
        .join(alerts, alerts.c.alert_id == inbox_items.c.alert_id)
        .where(_mine(principal))
        .order_by(inbox_items.c.id.desc())
    )
    if unread:
        query = query.where(~read)
    if before_id is not None:
        query = query.where(inbox_items.c.id < before_id)
    if format:
        return export_query(runtime.db, query, files.INBOX, fmt=format, name="inbox")
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query.limit(limit))).mappings().all()
    return [InboxItem.model_validate({**r, "alert_id": str(r["alert_id"])}) for r in rows]


@router.get("/inbox/unread-count")
async def unread_count(runtime: RuntimeDep, principal: Anyone) -> dict[str, int]:
    async with runtime.db.transaction() as session:
        n = await session.scalar(
            select(func.count()).select_from(inbox_items).where(_mine(principal), ~_read_by(principal))
        )
    return {"unread": int(n or 0)}


@router.post("/inbox/{item_id}/read", status_code=204)
async def mark_read(item_id: RowId, runtime: RuntimeDep, principal: Anyone) -> None:
    async with runtime.db.transaction() as session:
        found = await session.scalar(select(inbox_items.c.id).where(inbox_items.c.id == item_id, _mine(principal)))
        if found is None:
            raise NotFoundError("inbox item", item_id)
        await session.execute(
            pg_insert(inbox_reads)
            .values(item_id=item_id, user_id=principal.sub, read_at=runtime.clock.now())
            .on_conflict_do_nothing()
        )


@router.post("/inbox/read-all")
async def mark_all_read(runtime: RuntimeDep, principal: Anyone) -> dict[str, int]:
    async with runtime.db.transaction() as session:
        unread = select(
            inbox_items.c.id,
            literal(principal.sub, inbox_reads.c.user_id.type),
            literal(runtime.clock.now(), inbox_reads.c.read_at.type),
        ).where(_mine(principal), ~_read_by(principal))
        result = await session.execute(
            pg_insert(inbox_reads).from_select(["item_id", "user_id", "read_at"], unread).on_conflict_do_nothing()
        )
    return {"marked": int(getattr(result, "rowcount", 0) or 0)}

"""Every service's own operations endpoints, added by `create_service_app` beside its routers:

- `GET /audit`: the audit trail (who, when, what, before and after), filtered by entity, id, actor and time, for
  the auditor, admin and the managers. Changes made by event handlers are in it too: their actor is `system`
  and their `context` the causing event (`event:<type>:<event id>`, see `servicekit.audit`).
- `GET /admin/dead-letters` and `POST /admin/dead-letters/replay`: the service's dead-lettered messages, listed
  (admin, auditor) and replayed to their original topics (admin; audited), as `python -m servicekit.deadletter`
  does."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from servicekit import audit, deadletter
from servicekit.auth import Principal, require
from servicekit.runtime import RuntimeDep
from servicekit.tabular.export import ExportColumn, FormatQuery, columns, export_query, export_rows

AuditReader = Annotated[
    Principal, Depends(require("purchasing_manager", "sales_manager", "finance_manager", read=True))
]
DeadLetterReader = Annotated[Principal, Depends(require(read=True))]
Admin = Annotated[Principal, Depends(require())]

AUDIT = (
    *columns(
        ("id", "序号", "Id"),
        ("at", "时间", "At"),
        ("actor", "操作人", "Actor"),
        ("entity", "对象", "Entity"),
        ("entity_id", "对象编号", "Entity id"),
        ("action", "操作", "Action"),
        ("before", "变更前", "Before"),
        ("after", "变更后", "After"),
    ),
    ExportColumn("context", "来源", "Context", lambda r: r["correlation_id"]),
)
DEAD_LETTERS = columns(
    ("offset", "偏移量", "Offset"),
    ("reason", "原因", "Reason"),
    ("error", "错误", "Error"),
    ("original_topic", "原主题", "Original topic"),
    ("original_offset", "原偏移量", "Original offset"),
    ("key", "消息键", "Key"),
    ("at", "时间", "At"),
)


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    before: Any
    after: Any
    context: str | None = Field(
        description="the causing event of a change made by an event handler, else the request's"
    )


class DeadLetterRead(BaseModel):
    offset: int
    reason: str | None
    error: str | None
    original_topic: str | None
    original_offset: str | None
    key: str | None
    at: str | None


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=64, description="replay only dead letters with this reason")


class Replayed(BaseModel):
    replayed: int


def router() -> APIRouter:
    r = APIRouter(tags=["operations"])

    @r.get("/audit", response_model=list[AuditRead])
    async def audit_trail(
        runtime: RuntimeDep,
        _: AuditReader,
        entity: Annotated[str | None, Query(max_length=100)] = None,
        id: Annotated[str | None, Query(max_length=200, description="the entity's number or code")] = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        from_: Annotated[datetime | None, Query(alias="from")] = None,
        to: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="of the list; the file has every entry")] = 200,
        format: FormatQuery = None,
    ) -> Any:
        """The audit trail, newest first."""
        log = runtime.tables.audit_log
        q = select(log).order_by(log.c.id.desc())
        for column, value in (("entity", entity), ("entity_id", id), ("actor", actor)):
            if value is not None:
                q = q.where(log.c[column] == value)
        if from_ is not None:
            q = q.where(log.c.at >= from_)
        if to is not None:
            q = q.where(log.c.at < to)
        if format:
            return export_query(runtime.db, q, AUDIT, fmt=format, name=f"audit-{runtime.settings.service_name}")
        async with runtime.db.transaction() as session:
            rows = (await session.execute(q.limit(limit))).mappings().all()
        return [{**r, "context": r["correlation_id"]} for r in rows]

    @r.get("/admin/dead-letters", response_model=list[DeadLetterRead])
    async def dead_letters(runtime: RuntimeDep, _: DeadLetterReader, format: FormatQuery = None) -> Any:
        """The messages this service's consumers could not process, with the reason (its dead-letter topic)."""
        settings = runtime.settings
        letters = await deadletter.list_dead_letters(settings.kafka_bootstrap, settings.service_name)
        if format:
            return export_rows(letters, DEAD_LETTERS, fmt=format, name=f"dead-letters-{settings.service_name}")
        return letters

    @r.post("/admin/dead-letters/replay", response_model=Replayed)
    async def replay_dead_letters(runtime: RuntimeDep, principal: Admin, body: Replay) -> Any:
        """Republish the dead letters not replayed yet (optionally of one reason) to their original topics, once
        each; audited."""
        settings = runtime.settings
        count = await deadletter.replay(settings.kafka_bootstrap, settings.service_name, body.reason)
        async with runtime.db.transaction() as session:
            await audit.record(
                session, runtime.tables, actor=principal.sub, entity="dead_letters", entity_id=settings.service_name,
                action="replayed", after={"reason": body.reason, "replayed": count},
            )  # fmt: skip
        return {"replayed": count}

    return r

"""Channel configuration: webhook endpoints (secrets are write-only) and contacts of roles and users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contracts.common import Email
from notifier.api import files
from notifier.api.deps import Admin, ManagerRead
from notifier.config import WebhookEndpoint
from notifier.db import contacts, kit, webhook_endpoints
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.errors import NotFoundError
from servicekit.tabular import FormatQuery, export_query, export_rows

router = APIRouter(tags=["channels"])
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class WebhookWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dingtalk", "wecom", "feishu", "slack", "generic"]
    url: str = Field(min_length=1, max_length=1000, pattern=r"^https?://")
    secret: str | None = Field(default=None, max_length=500)
    enabled: bool = True
    min_severity: Literal["info", "warning", "critical"] = "info"


def _masked(e: WebhookEndpoint, source: str) -> dict[str, Any]:
    return {**e.model_dump(exclude={"secret"}), "has_secret": bool(e.secret), "source": source}


@router.get("/channels/webhooks")
async def list_webhooks(runtime: RuntimeDep, _: ManagerRead, format: FormatQuery = None) -> Any:
    async with runtime.db.transaction() as session:
        rows = (await session.execute(select(webhook_endpoints).order_by(webhook_endpoints.c.name))).mappings()
        stored = [WebhookEndpoint.model_validate(dict(r)) for r in rows]
    names = {e.name for e in stored}
    env = [e for e in runtime.settings.webhooks if e.name not in names]  # type: ignore[attr-defined]
    listed = [_masked(e, "api") for e in stored] + [_masked(e, "env") for e in env]
    return export_rows(listed, files.WEBHOOKS, fmt=format, name="webhooks") if format else listed


@router.put("/channels/webhooks/{name}")
async def put_webhook(
    name: Annotated[str, Path(max_length=64, pattern=NAME)],
    body: WebhookWrite,
    runtime: RuntimeDep,
    principal: Admin,
) -> dict[str, Any]:
    values = {**body.model_dump(), "updated_at": runtime.clock.now()}
    async with runtime.db.transaction() as session:
        await session.execute(
            pg_insert(webhook_endpoints)
            .values(name=name, **values)
            .on_conflict_do_update(index_elements=[webhook_endpoints.c.name], set_=values)
        )
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="webhook_endpoint",
            entity_id=name,
            action="saved",
            after=body.model_dump(exclude={"secret"}),
        )
    return _masked(WebhookEndpoint(name=name, **body.model_dump()), "api")


@router.delete("/channels/webhooks/{name}", status_code=204)
async def delete_webhook(name: str, runtime: RuntimeDep, principal: Admin) -> Response:
    async with runtime.db.transaction() as session:
        gone = await session.execute(
            delete(webhook_endpoints).where(webhook_endpoints.c.name == name).returning(webhook_endpoints.c.name)
        )
        if gone.first() is None:
            raise NotFoundError("webhook endpoint", name)
        await audit.record(
            session, kit, actor=principal.sub, entity="webhook_endpoint", entity_id=name, action="deleted"
        )
    return Response(status_code=204)


class ContactWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: list[Email] = Field(default_factory=list, max_length=50)
    phones: list[Annotated[str, Field(pattern=r"^\+?[0-9][0-9 -]{4,30}$")]] = Field(default_factory=list, max_length=50)


@router.get("/contacts")
async def list_contacts(runtime: RuntimeDep, _: ManagerRead, format: FormatQuery = None) -> Any:
    query = select(contacts).order_by(contacts.c.kind, contacts.c.name)
    if format:
        return export_query(runtime.db, query, files.CONTACTS, fmt=format, name="contacts")
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query)).mappings()
        return [{"kind": r["kind"], "name": r["name"], "emails": r["emails"], "phones": r["phones"]} for r in rows]


@router.put("/contacts/{kind}/{name}")
async def put_contact(
    kind: Literal["role", "user"],
    name: Annotated[str, Path(max_length=128)],
    body: ContactWrite,
    runtime: RuntimeDep,
    principal: Admin,
) -> dict[str, Any]:
    values = {**body.model_dump(), "updated_at": runtime.clock.now()}
    async with runtime.db.transaction() as session:
        await session.execute(
            pg_insert(contacts)
            .values(kind=kind, name=name, **values)
            .on_conflict_do_update(index_elements=[contacts.c.kind, contacts.c.name], set_=values)
        )
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="contact",
            entity_id=f"{kind}:{name}",
            action="saved",
            after=body.model_dump(),
        )
    return {"kind": kind, "name": name, **body.model_dump()}

"""The gateway's own API, reached like the services' through /api/gateway/...: user administration (admin),
the roles, the audit log (admin, auditor) and key rotation (admin)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from contracts.common import ROLES
from gateway.api.auth import UserRead
from gateway.api.deps import Caller, StateDep, require_roles
from gateway.handlers import keys, users
from servicekit.tabular import FormatQuery, columns, export_query

router = APIRouter(prefix="/api/gateway", tags=["admin"])
Admin = Annotated[Caller, require_roles()]
Auditor = Annotated[Caller, require_roles("auditor")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=63)
    display_name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    roles: list[str] = Field(default_factory=list, max_length=len(ROLES))
    password: str = Field(min_length=1, max_length=1000)


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    roles: list[str] | None = Field(default=None, max_length=len(ROLES))
    active: bool | None = None


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=1000)


USER_COLUMNS = columns(
    ("username", "用户名", "Username"),
    ("display_name", "姓名", "Name"),
    ("email", "邮箱", "Email"),
    ("roles", "角色", "Roles"),
    ("active", "启用", "Active"),
)
AUDIT_COLUMNS = columns(
    ("id", "序号", "Id"),
    ("at", "时间", "At (UTC)"),
    ("actor", "操作人", "Actor"),
    ("entity", "对象类型", "Entity"),
    ("entity_id", "对象", "Entity id"),
    ("action", "操作", "Action"),
    ("before", "变更前", "Before"),
    ("after", "变更后", "After"),
    ("correlation_id", "业务流水", "Correlation"),
)


class UserPage(BaseModel):
    items: list[UserRead]
    total: int


@router.get("/users", response_model=UserPage)
async def list_users(
    state: StateDep,
    who: Admin,
    q: Annotated[str | None, Query(max_length=100)] = None,
    role: Annotated[str | None, Query(max_length=40)] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: FormatQuery = None,
) -> Any:
    if format:
        query = users.users_export_query(q, role, active)
        return export_query(state.runtime.db, query, USER_COLUMNS, fmt=format, name="users")
    found, total = await users.search(state.runtime.db, q=q, role=role, active=active, limit=limit, offset=offset)
    return {"items": [u.public() for u in found], "total": total}


@router.post("/users", status_code=201, response_model=UserRead)
async def create_user(body: UserCreate, state: StateDep, who: Admin) -> Any:
    user = await users.create(
        state.runtime.db, state.settings, who.username, username=body.username, display_name=body.display_name,
        email=body.email, roles=body.roles, password=body.password, now=state.now(),
    )  # fmt: skip
    return user.public()


@router.patch("/users/{username}", response_model=UserRead)
async def update_user(username: str, body: UserUpdate, state: StateDep, who: Admin) -> Any:
    changes = body.model_dump(exclude_unset=True)
    user = await users.update_user(state.runtime.db, who.username, username, changes, state.now())
    return user.public()


@router.post("/users/{username}/password", status_code=204)
async def reset_password(username: str, body: PasswordReset, state: StateDep, who: Admin) -> Response:
    await users.reset_password(state.runtime.db, state.settings, who.username, username, body.new_password, state.now())
    return Response(status_code=204)


@router.get("/roles", response_model=list[str])
async def roles(who: Annotated[Caller, require_roles(*ROLES)]) -> Any:
    return list(ROLES)


@router.get("/audit")
async def audit_log(
    state: StateDep,
    who: Auditor,
    entity: Annotated[str | None, Query(max_length=100)] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: FormatQuery = None,
) -> Any:
    if format:
        query = users.audit_export_query(entity, entity_id, actor)
        return export_query(state.runtime.db, query, AUDIT_COLUMNS, fmt=format, name="audit-log")
    items, total = await users.audit_entries(
        state.runtime.db, entity=entity, entity_id=entity_id, actor=actor, limit=limit, offset=offset
    )
    return {"items": items, "total": total}


@router.post("/keys/rotate")
async def rotate_keys(state: StateDep, who: Admin) -> Any:
    """A new signing key; the old one stays in the JWKS until the tokens it signed have expired."""
    publish_for = timedelta(seconds=state.settings.access_token_ttl_seconds + 300)
    await keys.rotate(state.runtime.db, state.now(), publish_for, actor=who.username)
    state.keyring = await keys.load(state.runtime.db, state.now())
    return state.keys.jwks()

"""User administration (admin) and a user's own password change; every change in the audit log (never a
password or its hash)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.db import kit, users
from gateway.domain import USERNAME, User, UserError, check_password, check_roles
from gateway.handlers import tokens
from gateway.handlers.passwords import hash_password, verify_password
from servicekit import audit
from servicekit.db import Database
from servicekit.errors import DomainError, NotFoundError

log = logging.getLogger("gateway.users")


def _raise(error: UserError, field: str | None = None) -> DomainError:
    """As problem+json; a refused input (422) names its field (`field` when the request calls it otherwise)."""
    named = field or error.field
    extra = {"errors": [{"field": named, "reason": error.detail}]} if error.status == 422 and named else {}
    raised = DomainError(error.code, error.detail, **extra)
    raised.status = error.status
    return raised


async def _row(s: AsyncSession, username: str, lock: bool = False) -> Any:
    query = select(users).where(users.c.username == username)
    row = (await s.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFoundError("user", username)
    return row


async def get(db: Database, username: str) -> User:
    async with db.transaction() as s:
        return tokens.user_of(await _row(s, username))


def user_filters(q: str | None, role: str | None, active: bool | None) -> list[Any]:
    where = []
    if q:
        like = f"%{q.lower()}%"
        where.append(or_(users.c.username.like(like), func.lower(users.c.display_name).like(like),
                         func.lower(users.c.email).like(like)))  # fmt: skip
    if role:
        where.append(users.c.roles.any(role))
    if active is not None:
        where.append(users.c.active == active)
    return where


PUBLIC_COLUMNS = ("username", "display_name", "email", "roles", "active")


def users_export_query(q: str | None, role: str | None, active: bool | None) -> Select[Any]:
    """The users found, public columns only (never a password hash), for an export."""
    wanted = [users.c[name] for name in PUBLIC_COLUMNS]
    return select(*wanted).where(*user_filters(q, role, active)).order_by(users.c.username)


async def search(
    db: Database, *, q: str | None, role: str | None, active: bool | None, limit: int, offset: int
) -> tuple[list[User], int]:
    where = user_filters(q, role, active)
    async with db.transaction() as s:
        total = await s.scalar(select(func.count()).select_from(users).where(*where))
        rows = (
            await s.execute(select(users).where(*where).order_by(users.c.username).limit(limit).offset(offset))
        ).all()
    return [tokens.user_of(r) for r in rows], int(total or 0)


async def create(
    db: Database,
    settings: GatewaySettings,
    actor: str,
    *,
    username: str,
    display_name: str,
    email: str | None,
    roles: list[str],
    password: str,
    now: datetime,
) -> User:
    username = username.strip().lower()
    try:
        if not USERNAME.match(username):
            raise UserError(
                "invalid_username",
                "a username is 2-63 of a-z, 0-9, _ . - (starting with a letter or digit)",
                422,
                field="username",
            )
        canonical = check_roles(roles)
        check_password(password, min_length=settings.password_min_length, username=username)
    except UserError as exc:
        raise _raise(exc) from exc
    user = User(username, display_name, email, canonical, True)
    password_hash = await hash_password(password)
    async with db.transaction() as s:
        if (await s.execute(select(users.c.username).where(users.c.username == username))).first() is not None:
            raise DomainError("user_exists", f"user {username} exists already")
        await s.execute(
            insert(users).values(
                username=username, display_name=display_name, email=email, roles=list(canonical),
                password_hash=password_hash, password_changed_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        await audit.record(
            s, kit, actor=actor, entity="user", entity_id=username, action="created", after=user.public()
        )
    return user


async def update_user(db: Database, actor: str, username: str, changes: dict[str, Any], now: datetime) -> User:
    """Display name, email, roles, active. Deactivating revokes every session and refresh chain at once; new
    roles come with the user's next access token."""
    if "roles" in changes:
        try:
            changes["roles"] = list(check_roles(changes["roles"]))
        except UserError as exc:
            raise _raise(exc) from exc
    async with db.transaction() as s:
        before = tokens.user_of(await _row(s, username, lock=True))
        if changes.get("active") is False and username == actor:
            raise DomainError("cannot_deactivate_self", "an administrator cannot deactivate themselves")
        if changes:
            await s.execute(update(users).where(users.c.username == username).values(**changes, updated_at=now))
        after = tokens.user_of(await _row(s, username))
        if before.active and not after.active:
            await tokens.revoke_user(s, username, now)
            log.info("user %s deactivated by %s: sessions and refresh tokens revoked", username, actor)
        if before != after:
            action = "deactivated" if before.active and not after.active else "updated"
            await audit.record(s, kit, actor=actor, entity="user", entity_id=username, action=action,
                               before=before.public(), after=after.public())  # fmt: skip
    return after


async def reset_password(
    db: Database, settings: GatewaySettings, actor: str, username: str, new: str, now: datetime
) -> None:
    """An administrator sets a new password: the user's sessions and refresh chains end, the lock is lifted."""
    try:
        check_password(new, min_length=settings.password_min_length, username=username)
    except UserError as exc:
        raise _raise(exc, "new_password") from exc
    password_hash = await hash_password(new)
    async with db.transaction() as s:
        await _row(s, username, lock=True)
        await s.execute(
            update(users).where(users.c.username == username)
            .values(password_hash=password_hash, password_changed_at=now, locked_until=None, updated_at=now)
        )  # fmt: skip
        await tokens.revoke_user(s, username, now)
        await audit.record(s, kit, actor=actor, entity="user", entity_id=username, action="password_reset")


async def change_own_password(
    db: Database,
    settings: GatewaySettings,
    username: str,
    current: str,
    new: str,
    now: datetime,
    keep_family: uuid.UUID | None,
) -> None:
    """The user's own change: the current password proves it is them; their other sessions end."""
    async with db.transaction() as s:
        row = await _row(s, username)
    if not await verify_password(row.password_hash, current):
        raise tokens.AuthError(403, "invalid_credentials", "the current password is wrong",
                               errors=[{"field": "current_password", "reason": "wrong password"}])  # fmt: skip
    try:
        check_password(new, min_length=settings.password_min_length, username=username)
    except UserError as exc:
        raise _raise(exc, "new_password") from exc
    password_hash = await hash_password(new)
    async with db.transaction() as s:
        await s.execute(
            update(users).where(users.c.username == username)
            .values(password_hash=password_hash, password_changed_at=now, updated_at=now)
        )  # fmt: skip
        await tokens.revoke_user(s, username, now, keep_family=keep_family)
        await audit.record(s, kit, actor=username, entity="user", entity_id=username, action="password_changed")


async def bootstrap_admin(db: Database, password: str, now: datetime) -> bool:
    """The first administrator, when there is no user at all (first start with GATEWAY_BOOTSTRAP_ADMIN_PASSWORD)."""
    password_hash = await hash_password(password)
    async with db.transaction() as s:
        if await s.scalar(select(func.count()).select_from(users)):
            return False
        await s.execute(
            insert(users).values(
                username="admin", display_name="系统管理员", email=None, roles=["admin"],
                password_hash=password_hash, password_changed_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        await audit.record(s, kit, actor="system", entity="user", entity_id="admin", action="created",
                           after={"username": "admin", "roles": ["admin"], "bootstrap": True})  # fmt: skip
    log.warning("no user existed: created the bootstrap administrator 'admin'")
    return True


def audit_filters(entity: str | None, entity_id: str | None, actor: str | None) -> list[Any]:
    table = kit.audit_log
    return [c == v for c, v in ((table.c.entity, entity), (table.c.entity_id, entity_id), (table.c.actor, actor)) if v]


def audit_export_query(entity: str | None, entity_id: str | None, actor: str | None) -> Select[Any]:
    table = kit.audit_log
    return select(table).where(*audit_filters(entity, entity_id, actor)).order_by(table.c.id.desc())


async def audit_entries(db: Database, *, entity: str | None, entity_id: str | None, actor: str | None,
                        limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    table = kit.audit_log
    where = audit_filters(entity, entity_id, actor)
    async with db.transaction() as s:
        total = await s.scalar(select(func.count()).select_from(table).where(*where))
        rows = (
            await s.execute(select(table).where(*where).order_by(table.c.id.desc()).limit(limit).offset(offset))
        ).all()
    items = [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "action": r.action,
            "before": r.before,
            "after": r.after,
        }
        for r in rows
    ]
    return items, int(total or 0)

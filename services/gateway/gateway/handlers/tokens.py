"""Access tokens (RS256, 15 minutes) and refresh tokens (opaque, stored as SHA-256, rotated on use; a used one
presented again revokes its whole chain)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.db import kit, refresh_tokens, sessions, users
from gateway.domain import User
from gateway.handlers.keys import KeyRing, new_jti
from servicekit import audit
from servicekit.errors import DomainError

log = logging.getLogger("gateway.auth")


class AuthError(DomainError):
    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(code, detail, **extra)
        self.status = status


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_id: uuid.UUID
    family_id: uuid.UUID
    expires_in: int

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


def user_of(row: Any) -> User:
    return User(row.username, row.display_name, row.email, tuple(row.roles), row.active)


def access_token(settings: GatewaySettings, keys: KeyRing, user: User, now: datetime) -> tuple[str, datetime]:
    expires = now + timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": user.username,
        "name": user.display_name,
        "roles": list(user.roles),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": new_jti(),
    }
    return keys.sign(claims), expires


async def issue(
    s: AsyncSession,
    settings: GatewaySettings,
    keys: KeyRing,
    user: User,
    now: datetime,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    """An access token and the next refresh token of the chain (a new chain without `family_id`)."""
    refresh = new_secret()
    refresh_id, family = uuid.uuid4(), family_id or uuid.uuid4()
    await s.execute(
        insert(refresh_tokens).values(
            id=refresh_id,
            token_hash=digest(refresh),
            family_id=family,
            username=user.username,
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    token, expires = access_token(settings, keys, user, now)
    return TokenPair(token, expires, refresh, refresh_id, family, settings.access_token_ttl_seconds)


async def revoke_family(s: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await s.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await s.execute(
        update(sessions)
        .where(sessions.c.family_id == family_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user(s: AsyncSession, username: str, now: datetime, keep_family: uuid.UUID | None = None) -> None:
    """Every chain and session of a user (but `keep_family`): deactivation, a password reset."""
    tokens = update(refresh_tokens).where(refresh_tokens.c.username == username, refresh_tokens.c.revoked_at.is_(None))
    live = update(sessions).where(sessions.c.username == username, sessions.c.revoked_at.is_(None))
    if keep_family is not None:
        tokens = tokens.where(refresh_tokens.c.family_id != keep_family)
        live = live.where(sessions.c.family_id != keep_family)
    await s.execute(tokens.values(revoked_at=now))
    await s.execute(live.values(revoked_at=now))


async def rotate(
    s: AsyncSession,
    settings: GatewaySettings,
    keys: KeyRing,
    now: datetime,
    *,
    token_hash: str | None = None,
    refresh_id: uuid.UUID | None = None,
) -> TokenPair | AuthError:
    """Use a refresh token (by its hash, or by id for a browser session): the next one of its chain and a fresh
    access token with the user's roles as they are now. A refused refresh is returned, not raised, so that the
    revocation it causes commits."""
    query = select(refresh_tokens).with_for_update()
    query = query.where(
        refresh_tokens.c.token_hash == token_hash if token_hash is not None else refresh_tokens.c.id == refresh_id
    )
    row = (await s.execute(query)).first()
    if row is None:
        return AuthError(401, "invalid_refresh_token", "unknown refresh token")
    if row.used_at is not None or row.revoked_at is not None:
        await revoke_family(s, row.family_id, now)
        if row.revoked_at is None:
            log.warning("refresh token reused: chain %s of %s revoked", row.family_id, row.username)
            await audit.record(
                s, kit, actor=row.username, entity="session", entity_id=str(row.family_id), action="refresh_reused"
            )
        return AuthError(401, "invalid_refresh_token", "the refresh token was already used or revoked")
    if row.expires_at <= now:
        return AuthError(401, "invalid_refresh_token", "the refresh token has expired")
    user_row = (await s.execute(select(users).where(users.c.username == row.username))).one()
    if not user_row.active:
        await revoke_family(s, row.family_id, now)
        return AuthError(403, "user_inactive", "the user is deactivated")
    await s.execute(update(refresh_tokens).where(refresh_tokens.c.id == row.id).values(used_at=now))
    return await issue(s, settings, keys, user_of(user_row), now, family_id=row.family_id)

"""Browser sessions (backend for frontend): the ot_session cookie names a session row (only its SHA-256 is
stored) that holds the user's refresh chain and current access token. The gateway refreshes the access token
itself, rotating the chain; a session that cannot be refreshed any more is over."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from gateway.config import GatewaySettings
from gateway.db import sessions
from gateway.domain import User
from gateway.handlers import tokens
from gateway.handlers.keys import KeyRing
from gateway.handlers.tokens import TokenPair, digest, new_secret
from servicekit.db import Database

# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class OpenedSession:
    cookie: str
    csrf: str


@dataclass(frozen=True)
class LiveSession:
    username: str
    family_id: uuid.UUID
    access_token: str
    csrf_hash: str

    def csrf_matches(self, presented: str) -> bool:
        return hmac.compare_digest(self.csrf_hash, digest(presented))


async def open_session(
    db: Database, settings: GatewaySettings, pair: TokenPair, user: User, now: datetime
) -> OpenedSession:
    cookie, csrf = new_secret(), new_secret()
    async with db.transaction() as s:
        await s.execute(
            insert(sessions).values(
                id_hash=digest(cookie),
                family_id=pair.family_id,
                refresh_id=pair.refresh_id,
                username=user.username,
                csrf_hash=digest(csrf),
                access_token=pair.access_token,
                access_expires_at=pair.access_expires_at,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(seconds=settings.session_max_seconds),
            )
        )
    return OpenedSession(cookie, csrf)


async def resolve(
    db: Database, settings: GatewaySettings, keys: KeyRing, cookie: str, now: datetime
) -> LiveSession | None:
    """The live session the cookie names, its access token refreshed when it is about to expire; None when there
    is none (unknown, revoked, idle or too old, or the refresh was refused: the session is then revoked)."""
    id_hash = digest(cookie)
    async with db.transaction() as s:
        row = (await s.execute(select(sessions).where(sessions.c.id_hash == id_hash))).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at <= now or row.last_seen_at + timedelta(seconds=settings.session_idle_seconds) <= now:
            await tokens.revoke_family(s, row.family_id, now)
            return None
        token = row.access_token
        changes: dict[str, object] = {}
        if row.access_expires_at - timedelta(seconds=settings.session_refresh_margin_seconds) <= now:
            # Locked, so two requests racing to refresh one session rotate its chain once.
            row = (await s.execute(select(sessions).where(sessions.c.id_hash == id_hash).with_for_update())).one()
            if row.revoked_at is not None:
                return None
            token = row.access_token
            if row.access_expires_at - timedelta(seconds=settings.session_refresh_margin_seconds) <= now:
                pair = await tokens.rotate(s, settings, keys, now, refresh_id=row.refresh_id)
                if isinstance(pair, tokens.AuthError):
                    await tokens.revoke_family(s, row.family_id, now)
                    return None
                token = pair.access_token
                changes |= {
                    "refresh_id": pair.refresh_id,
                    "access_token": pair.access_token,
                    "access_expires_at": pair.access_expires_at,
                }
        if now - row.last_seen_at >= TOUCH_EVERY:
            changes["last_seen_at"] = now
        if changes:
            await s.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(**changes))
    return LiveSession(row.username, row.family_id, token, row.csrf_hash)


async def close(db: Database, cookie: str, now: datetime) -> None:
    """Logout: the session and its whole refresh chain revoked."""
    async with db.transaction() as s:
        row = (await s.execute(select(sessions.c.family_id).where(sessions.c.id_hash == digest(cookie)))).first()
        if row is not None:
            await tokens.revoke_family(s, row.family_id, now)

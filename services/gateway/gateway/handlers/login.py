"""Logging in: the password checked against its argon2id hash, every attempt recorded, the account locked
after too many failures in the window (the lock is logged and audited)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.db import kit, login_attempts, users
from gateway.domain import LockoutPolicy, User
from gateway.handlers.keys import KeyRing
from gateway.handlers.passwords import hash_password, needs_rehash, verify_password
from gateway.handlers.tokens import AuthError, TokenPair, issue, user_of
from servicekit import audit
from servicekit.db import Database

log = logging.getLogger("gateway.auth")


def policy(settings: GatewaySettings) -> LockoutPolicy:
    return LockoutPolicy(
        settings.lockout_threshold,
        timedelta(seconds=settings.lockout_window_seconds),
        timedelta(seconds=settings.lockout_seconds),
    )


async def _attempt(s: AsyncSession, username: str, now: datetime, outcome: str, address: str | None) -> None:
    await s.execute(
        insert(login_attempts).values(
            id=uuid.uuid4(), username=username, at=now, success=outcome == "ok", address=address, outcome=outcome
        )
    )


async def _failures_since_success(s: AsyncSession, username: str, since: datetime) -> list[datetime]:
    rows = (
        await s.execute(
            select(login_attempts.c.at, login_attempts.c.success)
            .where(login_attempts.c.username == username, login_attempts.c.at > since)
            .order_by(login_attempts.c.at)
        )
    ).all()
    failures: list[datetime] = []
    for at, success in rows:
        failures = [] if success else [*failures, at]
    return failures


async def login(
    db: Database,
    settings: GatewaySettings,
    keys: KeyRing,
    username: str,
    password: str,
    now: datetime,
    address: str | None,
) -> tuple[User, TokenPair]:
    username = username.strip().lower()[:64]
    outcome: AuthError | tuple[User, TokenPair]
    async with db.transaction() as s:
        # The row lock serialises one user's concurrent attempts: the failure count is exact.
        row = (await s.execute(select(users).where(users.c.username == username).with_for_update())).first()
        if row is None:
            await verify_password(None, password)  # the same cost as a wrong password
            await _attempt(s, username, now, "unknown_user", address)
            outcome = AuthError(401, "invalid_credentials", "wrong username or password")
        elif row.locked_until is not None and row.locked_until > now:
            await _attempt(s, username, now, "locked", address)
            outcome = _locked(row.locked_until)
        elif not await verify_password(row.password_hash, password):
            await _attempt(s, username, now, "wrong_password", address)
            outcome = await _after_failure(s, settings, username, now, address)
        elif not row.active:
            await _attempt(s, username, now, "inactive", address)
            outcome = AuthError(403, "user_inactive", "the user is deactivated")
        else:
            await _attempt(s, username, now, "ok", address)
            if needs_rehash(row.password_hash):
                await s.execute(
                    update(users)
                    .where(users.c.username == username)
                    .values(password_hash=await hash_password(password))
                )
            user = user_of(row)
            outcome = (user, await issue(s, settings, keys, user, now))
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def _locked(until: datetime) -> AuthError:
    return AuthError(
        423, "account_locked", f"too many failed logins: the account is locked until {until.isoformat()}",
        locked_until=until.isoformat(),
    )  # fmt: skip


async def _after_failure(
    s: AsyncSession, settings: GatewaySettings, username: str, now: datetime, address: str | None
) -> AuthError:
    rule = policy(settings)
    failures = await _failures_since_success(s, username, now - rule.window - rule.duration)
    until = rule.locked_until(failures, now)
    if until is not None:
        await s.execute(update(users).where(users.c.username == username).values(locked_until=until))
        log.warning("account %s locked until %s after %d failed logins (last from %s)", username, until,
                    len(failures), address)  # fmt: skip
        await audit.record(
            s, kit, actor=username, entity="user", entity_id=username, action="locked",
            after={"locked_until": until.isoformat(), "failures": len(failures), "address": address},
        )  # fmt: skip
    return AuthError(401, "invalid_credentials", "wrong username or password")

"""Bearer JWT authentication and per-endpoint role checks.

Tokens carry `sub` (the user) and `roles` (a list). `admin` may call everything; `auditor` may call every
read endpoint (those declared with `read=True`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts.common import ROLES as ROLES  # the roles, declared once (contracts.common.Role)
from servicekit import jwks

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]

    def has_any(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


def issue_token(secret: str, sub: str, roles: list[str], *, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims = {"sub": sub, "roles": roles, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


# Tokens already verified, with their expiry: a client sends the same token with every request, and checking
# its signature and claims again costs more than the rest of authentication. Bounded; cleared when full.
_VERIFIED: dict[tuple[str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 4096


async def _decode(request: Request, token: str) -> Principal:
    settings = request.app.state.settings
    if settings.jwt_jwks_url:  # then never the shared secret
        source = settings.jwt_jwks_url
    elif settings.jwt_secret is not None:
        source = settings.jwt_secret.get_secret_value()
    else:
        raise HTTPException(401, "invalid token: no token verification is configured")
    hit = _VERIFIED.get((source, token))
    if hit is not None and hit[1] > time.time():
        return hit[0]
    if settings.jwt_jwks_url:
        sub, roles, expires = await jwks.verify(settings, token)
        principal = Principal(sub=sub, roles=frozenset(roles))
    else:
        principal, expires = _verify(settings, source, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(source, token)] = (principal, expires)
    return principal


def _verify(settings: Any, secret: str, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"invalid token: {exc}", headers={"WWW-Authenticate": "Bearer"}) from exc
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise HTTPException(401, "invalid token: roles must be a list of strings")
    return Principal(sub=str(claims["sub"]), roles=frozenset(roles)), float(claims["exp"])


async def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    return await _decode(request, credentials.credentials)


def require(*roles: str, read: bool = False) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting the given roles (plus `admin`, and `auditor` when `read`)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    allowed = frozenset(roles) | {"admin"} | ({"auditor"} if read else set())

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any(allowed):
            raise HTTPException(403, f"requires one of the roles: {', '.join(sorted(allowed))}")
        return principal

    check.roles = tuple(sorted(allowed))  # type: ignore[attr-defined]  # read by servicekit.openapi
    return check


def declared_roles(dependency: object) -> tuple[str, ...] | None:
    """The roles a dependency made by `require` admits (None for any other callable)."""
    roles: tuple[str, ...] | None = getattr(dependency, "roles", None)
    return roles

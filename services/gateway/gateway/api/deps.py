"""Who is calling: a browser session (the ot_session cookie; unsafe methods need the CSRF token and a
same-origin Origin) or a program with a bearer token signed by the gateway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from gateway.handlers import sessions
from gateway.handlers.tokens import AuthError
from gateway.state import GatewayState

SESSION_COOKIE = "ot_session"
CSRF_COOKIE = "ot_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Caller:
    username: str
    roles: frozenset[str]
    access_token: str
    family_id: uuid.UUID | None  # the browser session's refresh chain; None for a bearer token


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


StateDep = Annotated[GatewayState, Depends(gateway_state)]


def not_authenticated(detail: str = "sign in first") -> AuthError:
    return AuthError(401, "not_authenticated", detail)


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def origin_allowed(request: Request, state: GatewayState, *, required: bool) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return not required
    return origin == own_origin(request) or origin in state.settings.allowed_origins


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def resolve_caller(request: Request, state: GatewayState) -> Caller:
    """The caller, or 401 not_authenticated; a cookie-session's unsafe request without the CSRF token or from
    another origin is 403 csrf_failed. A bearer header wins over the cookie (and needs no CSRF token: no
    other site can make a browser send it)."""
    token = bearer_of(request)
    if token is not None:
        try:
            claims = state.keys.verify(token, issuer=state.settings.issuer, audience=state.settings.audience)
        except jwt.PyJWTError as exc:
            raise not_authenticated(f"invalid token: {exc}") from exc
        roles = claims.get("roles", [])
        return Caller(str(claims["sub"]), frozenset(r for r in roles if isinstance(r, str)), token, None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise not_authenticated()
    if request.method in UNSAFE:
        presented = request.headers.get(CSRF_HEADER, "")
        if (
            not presented
            or presented != request.cookies.get(CSRF_COOKIE)
            or not origin_allowed(request, state, required=True)
        ):
            raise AuthError(403, "csrf_failed", "the CSRF token or the Origin of this request is missing or wrong")
    live = await sessions.resolve(state.runtime.db, state.settings, state.keys, cookie, state.now())
    if live is None:
        raise not_authenticated("the session has ended: sign in again")
    if request.method in UNSAFE and not live.csrf_matches(request.headers.get(CSRF_HEADER, "")):
        raise AuthError(403, "csrf_failed", "the CSRF token does not belong to this session")
    claims = jwt.decode(live.access_token, options={"verify_signature": False})  # our own, just stored
    return Caller(live.username, frozenset(claims.get("roles", [])), live.access_token, live.family_id)


async def caller(request: Request, state: StateDep) -> Caller:
    found: Caller = await resolve_caller(request, state)
    return found


CallerDep = Annotated[Caller, Depends(caller)]


def require_roles(*roles: str) -> object:
    allowed = frozenset(roles) | {"admin"}

    async def check(who: CallerDep) -> Caller:
        if not who.roles & allowed:
            raise AuthError(403, "forbidden", f"requires one of the roles: {', '.join(sorted(allowed))}")
        return who

    return Depends(check)

"""Sign-in: the browser session (POST /auth/login sets the cookies), the programs' tokens (/auth/token), the
caller's own password, and the JWKS the services verify tokens with."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from gateway.api.deps import CSRF_COOKIE, SESSION_COOKIE, CallerDep, StateDep, origin_allowed
from gateway.handlers import login as login_handler
from gateway.handlers import sessions, tokens, users
from gateway.handlers.tokens import AuthError

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store"}


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


class UserRead(BaseModel):
    username: str
    display_name: str
    email: str | None
    roles: list[str]
    active: bool


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str


async def _credentials(request: Request) -> Credentials:
    """JSON, or a classic form post (application/x-www-form-urlencoded) with the same fields."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        fields = {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}
    else:
        try:
            fields = json.loads(raw or b"{}")
        except ValueError as exc:
            raise _invalid("body", "not JSON") from exc
    try:
        return Credentials.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _invalid(".".join(str(p) for p in first["loc"]) or "body", first["msg"]) from exc


def _invalid(field: str, reason: str) -> AuthError:
    return AuthError(422, "validation_failed", f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _secure(request: Request, state: StateDep) -> bool:
    forced = state.settings.cookie_secure
    return forced if forced is not None else request.url.scheme == "https"


@router.post("/auth/login", response_model=dict[str, UserRead])
async def login(request: Request, state: StateDep) -> Any:
    if not origin_allowed(request, state, required=False):
        raise AuthError(403, "csrf_failed", "a login from another origin is refused")
    creds = await _credentials(request)
    user, pair = await login_handler.login(
        state.runtime.db, state.settings, state.keys, creds.username, creds.password, state.now(), _address(request)
    )
    opened = await sessions.open_session(state.runtime.db, state.settings, pair, user, state.now())
    response = JSONResponse({"user": user.public()}, headers=NO_STORE)
    secure, age = _secure(request, state), state.settings.session_max_seconds
    response.set_cookie(
        SESSION_COOKIE, opened.cookie, max_age=age, path="/", secure=secure, httponly=True, samesite="strict"
    )
    response.set_cookie(
        CSRF_COOKIE, opened.csrf, max_age=age, path="/", secure=secure, httponly=False, samesite="strict"
    )
    return response


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, state: StateDep, who: CallerDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await sessions.close(state.runtime.db, cookie, state.now())
    response = Response(status_code=204)
    secure = _secure(request, state)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=name == SESSION_COOKIE, samesite="strict")
    return response


@router.get("/auth/me", response_model=UserRead)
async def me(state: StateDep, who: CallerDep) -> Any:
    user = await users.get(state.runtime.db, who.username)
    return JSONResponse(user.public(), headers=NO_STORE)


@router.post("/auth/password", status_code=204)
async def change_password(body: PasswordChange, state: StateDep, who: CallerDep) -> Response:
    await users.change_own_password(
        state.runtime.db, state.settings, who.username, body.current_password, body.new_password, state.now(),
        keep_family=who.family_id,
    )  # fmt: skip
    return Response(status_code=204)


@router.post("/auth/token", response_model=TokenRead)
async def token(body: Credentials, request: Request, state: StateDep) -> Any:
    _, pair = await login_handler.login(
        state.runtime.db, state.settings, state.keys, body.username, body.password, state.now(), _address(request)
    )
    return JSONResponse(pair.body(), headers=NO_STORE)


@router.post("/auth/token/refresh", response_model=TokenRead)
async def refresh(body: RefreshRequest, state: StateDep) -> Any:
    async with state.runtime.db.transaction() as s:
        pair = await tokens.rotate(
            s, state.settings, state.keys, state.now(), token_hash=tokens.digest(body.refresh_token)
        )
    if isinstance(pair, AuthError):
        raise pair
    return JSONResponse(pair.body(), headers=NO_STORE)


@router.get("/.well-known/jwks.json")
async def jwks(state: StateDep) -> Any:
    # Short cache: a rotation reaches the services' caches within minutes (they re-fetch on an unknown kid anyway).
    return JSONResponse(state.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

"""Public order tracking (no login): /api/track/<order_no>?token=… passes to sales' tracking endpoint, rate
limited per client address; /track/<order_no> is the console's page for a browser, the same JSON otherwise."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.api.console import index
from gateway.api.deps import StateDep
from gateway.handlers.tokens import AuthError

router = APIRouter(tags=["tracking"])
Token = Annotated[str, Query(min_length=1, max_length=128)]


async def _track(order_no: str, token: str, request: Request, state: StateDep) -> Response:
    address = request.client.host if request.client else "unknown"
    allowed, retry = state.limiter.allow(address)
    if not allowed:
        raise AuthError(429, "rate_limited", "too many tracking requests: try again shortly",
                        retry_after=round(retry, 1))  # fmt: skip
    if "/" in order_no or order_no in {".", ".."}:
        raise AuthError(404, "not_found", "order not found")
    base = state.settings.upstreams()["sales"]
    try:
        answer = await state.client.get(f"{base}/api/v1/track/{order_no}", params={"token": token})
    except httpx.TimeoutException as exc:
        raise AuthError(504, "upstream_timeout", "sales did not answer in time") from exc
    except httpx.TransportError as exc:
        raise AuthError(502, "upstream_unavailable", "sales is not reachable") from exc
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type", "application/json"),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/api/track/{order_no}")
async def track_api(order_no: str, token: Token, request: Request, state: StateDep) -> Response:
    return await _track(order_no, token, request, state)


@router.get("/track/{order_no}", include_in_schema=False)
async def track_page(order_no: str, request: Request, state: StateDep, token: str = "") -> Response:
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "application/json" not in accept.split(",")[0]:
        return index(state.settings.web_dist)
    if not token:
        raise AuthError(422, "validation_failed", "token: required", errors=[{"field": "token", "reason": "required"}])
    return await _track(order_no, token, request, state)

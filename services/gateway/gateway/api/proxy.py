"""The proxy: /api/<service>/<path> → <service>'s /api/v1/<path>, the caller's access token attached, bodies
streamed both ways (within the configured maximum size), the upstream's answer passed through unchanged.
Nothing but /api/v1 of the configured services is reachable: no other path, no `..`, no other host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from gateway.api.deps import Caller, StateDep, resolve_caller
from gateway.handlers.tokens import AuthError
from servicekit.http_observability import HEADER as CORRELATION
from servicekit.observability import current_correlation

router = APIRouter(tags=["proxy"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Never forwarded upstream: the gateway's own credentials (cookies, CSRF token), the caller's Authorization
# (replaced by the token the gateway vouches for) and what httpx sets itself.
# The correlation id of the gateway's own request is sent on instead (with tracing on, the instrumented client
# also replaces a `traceparent` with its own span's).
DROP_REQUEST = HOP_BY_HOP | {
    "host", "cookie", "authorization", "x-csrf-token", "content-length", "origin", CORRELATION
}  # fmt: skip
DROP_RESPONSE = HOP_BY_HOP | {"set-cookie", CORRELATION}  # the gateway's own is set on every response


def _safe_path(raw: str) -> str:
    """The upstream path (still percent-encoded as the client sent it); 404 for anything that could leave
    /api/v1 (dot segments, encoded slashes or backslashes, control characters)."""
    decoded = unquote(raw)
    segments = decoded.split("/")
    if (
        any(seg in {".", ".."} for seg in segments)
        or "\\" in decoded
        or "%2f" in raw.lower()
        or any(ord(c) < 0x20 for c in decoded)
    ):
        raise AuthError(404, "not_found", "no such API path")
    return raw


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLargeError()
        yield chunk


class BodyTooLargeError(Exception):
    pass


def too_large(limit: int) -> AuthError:
    return AuthError(413, "body_too_large", f"the request body exceeds {limit} bytes", limit=limit)


@router.api_route("/api/{service}/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(service: str, path: str, request: Request, state: StateDep) -> Response:
    base = state.settings.upstreams().get(service)
    if base is None:
        raise AuthError(404, "unknown_service", f"no service {service!r} behind this gateway")
    raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    prefix = f"/api/{service}/"
    upstream_path = _safe_path(raw_path[len(prefix) :] if raw_path.startswith(prefix) else path)
    who: Caller = await resolve_caller(request, state)
    limit = state.settings.max_body_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in DROP_REQUEST]
    headers.append(("authorization", f"Bearer {who.access_token}"))
    correlation_id = current_correlation()
    if correlation_id:  # the caller's X-Correlation-ID, or the one the gateway gave its request
        headers.append((CORRELATION, correlation_id))
    if request.client is not None:
        headers.append(("x-forwarded-for", request.client.host))
    headers.append(("x-forwarded-proto", request.url.scheme))
    if length is not None:
        headers.append(("content-length", length))
    has_body = request.method in {"POST", "PUT", "PATCH", "DELETE"}
    url = f"{base}/api/v1/{upstream_path}"
    query = request.scope.get("query_string", b"")
    upstream = state.client.build_request(
        request.method,
        url + (f"?{query.decode('latin-1')}" if query else ""),
        headers=headers,
        content=_limited(request, limit) if has_body else None,
    )
    try:
        answer = await state.client.send(upstream, stream=True)
    except BodyTooLargeError as exc:
        raise too_large(limit) from exc
    except httpx.TimeoutException as exc:
        if isinstance(exc, httpx.ConnectTimeout):
            raise AuthError(502, "upstream_unavailable", f"{service} is not reachable") from exc
        raise AuthError(504, "upstream_timeout", f"{service} did not answer in time") from exc
    except httpx.TransportError as exc:
        raise AuthError(502, "upstream_unavailable", f"{service} is not reachable: {type(exc).__name__}") from exc
    out_headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in DROP_RESPONSE]
    response = StreamingResponse(
        _relay(answer), status_code=answer.status_code, background=BackgroundTask(answer.aclose)
    )
    response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers]
    return response


async def _relay(answer: httpx.Response) -> AsyncIterator[bytes]:
    # Raw bytes: the upstream's content-encoding and content-length stay true.
    async for chunk in answer.aiter_raw():
        yield chunk

"""Every HTTP request of a service: its correlation id (the caller's `X-Correlation-ID`, or a new one) set for
the request's log lines and returned in the response header, and its Prometheus metrics by route template and
status. A plain ASGI middleware (no BaseHTTPMiddleware: that one runs the app in a task of its own, per
request)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import observability

HEADER = "x-correlation-id"
_UNMATCHED = "unmatched"  # a path no route took (404s): one series, not one per path asked for
_MAX_LENGTH = 200  # the envelope's correlation id fits the same


class RequestObservation:
    def __init__(self, app: ASGIApp, service: str, prefix: str = "") -> None:
        self.app = app
        self.service = service
        self.prefix = prefix  # the routers' mount prefix ("/api/v1"), which an included route's path leaves out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _incoming(scope) or uuid.uuid4().hex
        header = (HEADER.encode(), correlation_id.encode())
        status = 500

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        try:
            with observability.correlation(correlation_id):
                await self.app(scope, receive, send_with_header)
        finally:
            route = _route_of(scope, self.prefix)
            if route is not None:
                method = scope["method"]
                elapsed = time.perf_counter() - started
                observability.HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
                observability.HTTP_SECONDS.labels(self.service, method, route).observe(elapsed)


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-correlation-id":
            text: str = value.decode("latin-1").strip()
            if text and len(text) <= _MAX_LENGTH and text.isprintable():
                return text
    return None


def _route_of(scope: Scope, prefix: str) -> str | None:
    """The route template the router matched (FastAPI puts the route in the scope); None for the health and
    metrics endpoints, which are probed and scraped too often to be worth a series."""
    route: Any = scope.get("route")
    path: str | None = getattr(route, "path", None)
    if path is None:
        return _UNMATCHED
    if path.startswith(("/health/", "/metrics")):
        return None
    if prefix and scope["path"].startswith(prefix) and not path.startswith(prefix):
        return prefix + path
    return path

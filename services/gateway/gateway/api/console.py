"""The web console's static build (GATEWAY_WEB_DIST): hashed assets cached for a year, any other page path
answered with index.html (client-side routes), never cached. Without a build, a plain page saying where the
APIs are."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from gateway.api.deps import StateDep
from gateway.handlers.tokens import AuthError

router = APIRouter(include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
RESERVED = ("api", "auth", ".well-known", "health", "docs", "redoc", "openapi.json", "metrics")

NO_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order tracking — gateway</title></head>
<body>
<h1>采销订单跟踪系统 — order-tracking gateway</h1>
<p>The web console is not built yet (no <code>web/dist</code>). The gateway is up:</p>
<ul>
<li>sign in: <code>POST /auth/login</code> (browser session) or <code>POST /auth/token</code> (programs)</li>
<li>the services' APIs: <code>/api/&lt;service&gt;/…</code> for purchasing, sales, inventory, finance, notifier</li>
<li>users and the audit log: <code>/api/gateway/…</code>; live events: <code>/api/events</code></li>
<li>public keys: <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>; API docs: <a href="/docs">/docs</a></li>
</ul>
</body></html>
"""


def index(dist: Path) -> Response:
    page = dist / "index.html"
    if not page.is_file():
        return HTMLResponse(NO_BUILD, headers={"Cache-Control": "no-cache"})
    return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})


def _file(dist: Path, path: str) -> Path | None:
    root = dist.resolve()
    candidate = (root / path).resolve()
    if candidate.is_file() and candidate.is_relative_to(root):
        return candidate
    return None


@router.get("/{path:path}")
async def console(path: str, request: Request, state: StateDep) -> Response:
    first = path.split("/", 1)[0]
    if first in RESERVED:
        raise AuthError(404, "not_found", "no such resource")
    dist = state.settings.web_dist
    if path.startswith("assets/"):
        found = _file(dist, path)
        if found is None:
            raise AuthError(404, "not_found", "no such asset")
        return FileResponse(found, headers={"Cache-Control": IMMUTABLE})
    found = _file(dist, path) if path and path != "index.html" else None
    if found is not None:  # favicon.ico, robots.txt, ... at the root of the build
        return FileResponse(found, headers={"Cache-Control": "public, max-age=3600"})
    return index(dist)

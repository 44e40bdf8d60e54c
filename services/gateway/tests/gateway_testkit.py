"""Helpers for the gateway's tests: a signed-in browser (cookies, CSRF header, Origin), bearer clients."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from gateway.state import GatewayState


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    url: str  # the gateway
    sales_url: str
    app: FastAPI
    tag: str  # unique per stack: usernames, customer codes

    @property
    def state(self) -> GatewayState:
        state: GatewayState = self.app.state.gateway
        return state

    def client(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kw)

    async def browser(self, username: str, password: str) -> Browser:
        client = self.client(headers={"Origin": self.url})
        response = await client.post("/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return Browser(client)

    async def bearer(self, username: str, password: str) -> dict[str, Any]:
        async with self.client() as c:
            response = await c.post("/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def admin(self) -> Browser:
        return await self.browser("admin", "admin-pass-2026")

    async def user(self, admin: Browser, role: str, password: str = "a-good-password-1") -> str:
        """A new user with one role; returns its username."""
        username = f"{role.replace('_', '')}-{self.tag}-{free_port()}"
        body = {"username": username, "display_name": f"测试{role}", "email": f"{username}@example.com",
                "roles": [role], "password": password}  # fmt: skip
        response = await admin.post("/api/gateway/users", json=body)
        assert response.status_code == 201, response.text
        return username


class Browser:
    """A signed-in browser: sends the session cookie, and for unsafe methods the CSRF header."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    @property
    def csrf(self) -> str:
        return str(self.http.cookies.get("ot_csrf"))

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, **kw)

    async def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.send("POST", path, **kw)

    async def patch(self, path: str, **kw: Any) -> httpx.Response:
        return await self.send("PATCH", path, **kw)

    async def aclose(self) -> None:
        await self.http.aclose()


def echo_upstream() -> FastAPI:
    """A stand-in service: tells what it received, streams a download, answers slowly on demand."""
    app = FastAPI()

    @app.api_route("/api/v1/echo/{rest:path}", methods=["GET", "POST", "PUT"])
    async def echo(rest: str, request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return JSONResponse({
            "path": request.scope["raw_path"].decode(), "query": request.url.query, "size": size,
            "headers": {k: v for k, v in request.headers.items()},
        }, headers={"X-Upstream": "echo"})  # fmt: skip

    @app.get("/api/v1/problem")
    async def problem() -> Response:
        body = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "no", "code": "some_rule"}
        return JSONResponse(body, status_code=409, media_type="application/problem+json")

    @app.get("/api/v1/download")
    async def download() -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(64):
                yield (f"{i:04d}," * 256).encode()

        return StreamingResponse(chunks(), media_type="text/csv",
                                 headers={"Content-Disposition": 'attachment; filename="export.csv"'})  # fmt: skip

    @app.get("/api/v1/slow")
    async def slow() -> Response:
        await asyncio.sleep(3)
        return JSONResponse({})

    return app

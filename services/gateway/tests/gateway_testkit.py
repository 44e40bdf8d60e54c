"""Helpers for the gateway's tests: a signed-in browser (cookies, CSRF header, Origin), bearer clients."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

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

"""The proxy: the caller's token attached, bodies streamed both ways, problem+json and files passed through,
CSRF and Origin enforced for cookie sessions, only /api/v1 reachable, 502/504/413 as problem+json, and the
security headers on every response."""

from __future__ import annotations

from collections.abc import AsyncIterator

import jwt
import pytest
from gateway_testkit import Stack

pytestmark = pytest.mark.integration
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


async def test_the_token_is_attached_and_the_gateways_credentials_are_not(stack: Stack) -> None:
    browser = await stack.admin()
    r = await browser.post("/api/inventory/echo/a%20b/c?x=1&y=%C3%A9", content=b"0123456789")
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["path"] == "/api/v1/echo/a%20b/c" and seen["query"] == "x=1&y=%C3%A9" and seen["size"] == 10
    headers = seen["headers"]
    assert (
        jwt.decode(headers["authorization"].removeprefix("Bearer "), options={"verify_signature": False})["sub"]
        == "admin"
    )
    assert "cookie" not in headers and "x-csrf-token" not in headers
    assert r.headers["x-upstream"] == "echo"
    await browser.aclose()


async def test_uploads_and_downloads_stream_through(stack: Stack) -> None:
    browser = await stack.admin()

    async def upload() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 1000

    r = await browser.send("PUT", "/api/inventory/echo/import", content=upload())  # chunked, no length
    assert r.status_code == 200 and r.json()["size"] == 40_000
    r = await browser.get("/api/inventory/download")
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="export.csv"'
    assert len(r.content) == 64 * 256 * 5
    await browser.aclose()


async def test_bodies_over_the_maximum_are_refused(stack: Stack) -> None:
    browser = await stack.admin()
    r = await browser.post("/api/inventory/echo/big", content=b"x" * (65 * 1024))
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    r = await browser.post("/api/inventory/echo/big", content=endless())
    assert r.status_code == 413
    await browser.aclose()


async def test_upstream_problems_pass_unchanged_and_failures_are_502_504(stack: Stack) -> None:
    browser = await stack.admin()
    r = await browser.get("/api/inventory/problem")
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "some_rule"
    r = await browser.get("/api/inventory/slow")
    assert r.status_code == 504 and r.json()["code"] == "upstream_timeout"
    assert r.headers["content-type"] == "application/problem+json"
    r = await browser.get("/api/purchasing/suppliers")
    assert r.status_code == 502 and r.json()["code"] == "upstream_unavailable"
    await browser.aclose()


async def test_nothing_but_api_v1_is_reachable(stack: Stack) -> None:
    browser = await stack.admin()
    for path in ("/api/sales/..%2F..%2Fhealth/ready", "/api/sales/%2e%2e/%2e%2e/metrics", "/api/sales/a/../../x"):
        r = await browser.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text)
    assert (await browser.get("/api/nowhere/x")).status_code == 404
    await browser.aclose()


async def test_csrf_and_origin_are_required_and_nothing_is_stored_without(stack: Stack) -> None:
    browser = await stack.admin()
    code = f"C-CSRF-{stack.tag}"
    body = {"code": code, "name": "CSRF", "credit_limit": "1.00", "payment_terms_days": 0}
    no_token = await browser.http.post("/api/sales/customers", json=body)
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf_failed"
    wrong = await browser.post("/api/sales/customers", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    foreign = await browser.post("/api/sales/customers", json=body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["code"] == "csrf_failed"
    assert (await browser.get(f"/api/sales/customers/{code}")).status_code == 404  # nothing stored
    # Login from another origin is refused too.
    async with stack.client(headers={"Origin": "https://evil.example"}) as c:
        r = await c.post("/auth/login", json={"username": "admin", "password": "admin-pass-2026"})
        assert r.status_code == 403
    await browser.aclose()


async def test_a_bearer_token_needs_no_csrf_token(stack: Stack) -> None:
    tokens = await stack.bearer("admin", "admin-pass-2026")
    code = f"C-BEARER-{stack.tag}"
    body = {"code": code, "name": "Bearer", "credit_limit": "1.00", "payment_terms_days": 0}
    async with stack.client(headers={"Authorization": f"Bearer {tokens['access_token']}"}) as c:
        assert (await c.post("/api/sales/customers", json=body)).status_code == 201
        assert (await c.get(f"/api/sales/customers/{code}")).status_code == 200
        assert (await c.get("/api/gateway/roles")).json()[0] == "admin"
    async with stack.client() as anonymous:
        r = await anonymous.get("/api/sales/customers")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


async def test_security_headers_on_every_response(stack: Stack) -> None:
    browser = await stack.admin()
    responses = [
        await browser.get("/"),
        await browser.get("/orders/SO-1"),
        await browser.get("/auth/me"),
        await browser.get("/api/inventory/echo/x"),
        await browser.get("/api/nowhere/x"),
        await browser.get("/.well-known/jwks.json"),
    ]
    for r in responses:
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (r.url, name)
        csp = r.headers["content-security-policy"]
        assert (
            "frame-ancestors 'none'" in csp
            and "script-src 'self';" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
    await browser.aclose()


async def test_the_correlation_id_goes_on_to_the_service_and_comes_back_once(stack: Stack) -> None:
    browser = await stack.admin()
    r = await browser.get("/api/inventory/echo/x", headers={"X-Correlation-ID": "flow-2026-0001"})
    assert r.json()["headers"]["x-correlation-id"] == "flow-2026-0001"
    assert r.headers.get_list("x-correlation-id") == ["flow-2026-0001"]
    # Without one, the gateway's own (the one its logs carry) goes on.
    r = await browser.get("/api/inventory/echo/x")
    [given] = r.headers.get_list("x-correlation-id")
    assert r.json()["headers"]["x-correlation-id"] == given
    await browser.aclose()

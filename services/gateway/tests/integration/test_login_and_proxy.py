"""Sign-in and the proxy on a real sales service that verifies the gateway's RS256 tokens through its JWKS."""

from __future__ import annotations

import pytest
from gateway_testkit import Stack

pytestmark = pytest.mark.integration


async def test_login_sets_the_cookies_and_me_answers(stack: Stack) -> None:
    async with stack.client(headers={"Origin": stack.url}) as c:
        r = await c.post("/auth/login", json={"username": "admin", "password": "admin-pass-2026"})
        assert r.status_code == 200, r.text
        assert r.json()["user"]["roles"] == ["admin"]
        cookies = r.headers.get_list("set-cookie")
        session = next(h for h in cookies if h.startswith("ot_session="))
        csrf = next(h for h in cookies if h.startswith("ot_csrf="))
        assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
        assert "HttpOnly" not in csrf
        me = await c.get("/auth/me")
        assert me.status_code == 200 and me.json()["username"] == "admin"


async def test_the_proxy_attaches_the_token_and_sales_accepts_it(stack: Stack) -> None:
    admin = await stack.admin()
    try:
        code = f"C-{stack.tag}"
        body = {"code": code, "name": "代理测试客户", "credit_limit": "1000.00", "payment_terms_days": 30}
        r = await admin.post("/api/sales/customers", json=body)
        assert r.status_code == 201, r.text
        r = await admin.get(f"/api/sales/customers/{code}")
        assert r.status_code == 200 and r.json()["code"] == code
    finally:
        await admin.aclose()

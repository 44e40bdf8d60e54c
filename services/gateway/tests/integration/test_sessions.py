"""Login, refresh, logout, lockout, deactivation, role changes and refresh-token reuse, on the real database."""

from __future__ import annotations

import jwt
import pytest
from gateway_testkit import Stack

pytestmark = pytest.mark.integration


def claims(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


async def test_token_refresh_and_logout(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "sales")
    tokens = await stack.bearer(name, "a-good-password-1")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    c = claims(tokens["access_token"])
    assert c["sub"] == name and c["roles"] == ["sales"] and c["aud"] == "order-tracking" and c["iss"] == stack.url
    async with stack.client() as http:
        r = await http.post("/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 200, r.text
        assert r.json()["refresh_token"] != tokens["refresh_token"]
    # The browser: logout revokes the session and its chain; the cookie is worth nothing after.
    browser = await stack.browser(name, "a-good-password-1")
    cookie = browser.http.cookies.get("ot_session")
    assert (await browser.get("/auth/me")).status_code == 200
    assert (await browser.post("/auth/logout")).status_code == 204
    async with stack.client(cookies={"ot_session": str(cookie)}) as replay:
        r = await replay.get("/auth/me")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    await admin.aclose()
    await browser.aclose()


async def test_five_wrong_passwords_lock_the_account(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "warehouse")
    async with stack.client() as http:
        for _ in range(5):
            r = await http.post("/auth/token", json={"username": name, "password": "wrong-password-x"})
            assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
        r = await http.post("/auth/token", json={"username": name, "password": "a-good-password-1"})
        assert r.status_code == 423, r.text
        assert r.json()["code"] == "account_locked" and "until" in r.json()["detail"]
    audit = await admin.get("/api/gateway/audit", params={"entity": "user", "entity_id": name})
    assert "locked" in [e["action"] for e in audit.json()["items"]]
    # An administrator's password reset lifts the lock.
    assert (
        await admin.post(f"/api/gateway/users/{name}/password", json={"new_password": "another-good-pass-2"})
    ).status_code == 204
    await stack.bearer(name, "another-good-pass-2")
    await admin.aclose()


async def test_a_deactivated_user_is_refused_at_once(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "finance")
    tokens = await stack.bearer(name, "a-good-password-1")
    browser = await stack.browser(name, "a-good-password-1")
    r = await admin.patch(f"/api/gateway/users/{name}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    async with stack.client() as http:
        r = await http.post("/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code in (401, 403), r.text
        r = await http.post("/auth/token", json={"username": name, "password": "a-good-password-1"})
        assert r.status_code == 403 and r.json()["code"] == "user_inactive"
    assert (await browser.get("/auth/me")).status_code == 401
    assert (await browser.get("/api/sales/customers")).status_code == 401
    await admin.aclose()
    await browser.aclose()


async def test_a_role_change_comes_with_the_next_access_token(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "sales")
    tokens = await stack.bearer(name, "a-good-password-1")
    r = await admin.patch(f"/api/gateway/users/{name}", json={"roles": ["sales_manager", "sales"]})
    assert r.status_code == 200 and r.json()["roles"] == ["sales", "sales_manager"]
    async with stack.client() as http:
        r = await http.post("/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert claims(r.json()["access_token"])["roles"] == ["sales", "sales_manager"]
    audit = await admin.get("/api/gateway/audit", params={"entity_id": name})
    change = next(e for e in audit.json()["items"] if e["action"] == "updated")
    assert change["before"]["roles"] == ["sales"] and change["after"]["roles"] == ["sales", "sales_manager"]
    assert "password" not in str(change)
    await admin.aclose()


async def test_reusing_a_rotated_refresh_token_revokes_the_chain(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "purchaser")
    first = await stack.bearer(name, "a-good-password-1")
    async with stack.client() as http:
        second = (await http.post("/auth/token/refresh", json={"refresh_token": first["refresh_token"]})).json()
        reused = await http.post("/auth/token/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401 and reused.json()["code"] == "invalid_refresh_token"
        # The thief's (or the owner's) newer token is dead too: the whole chain is revoked.
        r = await http.post("/auth/token/refresh", json={"refresh_token": second["refresh_token"]})
        assert r.status_code == 401
    await admin.aclose()


async def test_own_password_change_and_the_weak_password_rule(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "auditor")
    browser = await stack.browser(name, "a-good-password-1")
    r = await browser.post("/auth/password", json={"current_password": "a-good-password-1", "new_password": "short"})
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    assert [e["field"] for e in r.json()["errors"]] == ["new_password"]
    # The admin's forms name the field too (the console shows the reason next to it).
    body = {"username": "x-weak", "display_name": "x", "roles": ["sales"], "password": "short"}
    r = await admin.post("/api/gateway/users", json=body)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["password"], r.text
    r = await admin.post("/api/gateway/users", json={**body, "password": "a-good-password-9", "roles": ["boss"]},
                         )  # fmt: skip
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["roles"], r.text
    r = await admin.post(f"/api/gateway/users/{name}/password", json={"new_password": "short"})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["new_password"], r.text
    r = await browser.post(
        "/auth/password", json={"current_password": "wrong-one-xx", "new_password": "a-new-password-22"}
    )
    assert r.status_code == 403
    r = await browser.post(
        "/auth/password", json={"current_password": "a-good-password-1", "new_password": "a-new-password-22"}
    )
    assert r.status_code == 204
    assert (await browser.get("/auth/me")).status_code == 200  # this session lives on
    await stack.bearer(name, "a-new-password-22")
    # Only admin manages users: the auditor reads the audit log, but may not create users.
    assert (await browser.get("/api/gateway/audit")).status_code == 200
    assert (await browser.get("/api/gateway/users")).status_code == 403
    await admin.aclose()
    await browser.aclose()


async def test_users_and_the_audit_log_export(stack: Stack) -> None:
    admin = await stack.admin()
    name = await stack.user(admin, "warehouse")
    users = await admin.get("/api/gateway/users", params={"q": name, "format": "csv"})
    assert users.status_code == 200 and users.headers["content-type"].startswith("text/csv")
    header, row = users.content.decode("utf-8-sig").splitlines()
    assert header.startswith("用户名 / Username,") and "hash" not in header.lower()
    assert row.startswith(f"{name},") and "warehouse" in row
    audit = await admin.get("/api/gateway/audit", params={"entity_id": name, "format": "xlsx"})
    assert audit.status_code == 200 and audit.content.startswith(b"PK")
    await admin.aclose()

"""A service (sales) verifies the gateway's RS256 tokens through the JWKS, and refuses every forgery: another
key, expired, `alg: none`, HS256 signed with the public key (algorithm confusion), wrong issuer or audience.
Key rotation: both published keys accepted; the retired key's tokens refused once it is no longer published."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from gateway_testkit import Stack

from gateway.handlers import keys
from servicekit.testing import eventually

pytestmark = pytest.mark.integration


def _claims(stack: Stack, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": stack.url, "aud": "order-tracking", "sub": "forger", "roles": ["admin"],
              "iat": now, "exp": now + 600, "jti": "x"}  # fmt: skip
    return {**claims, **overrides}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


async def _status(stack: Stack, token: str) -> int:
    async with httpx.AsyncClient(base_url=stack.sales_url) as c:
        return (await c.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_the_gateways_token_is_accepted(stack: Stack) -> None:
    tokens = await stack.bearer("admin", "admin-pass-2026")
    assert await _status(stack, tokens["access_token"]) == 200


async def test_forgeries_are_refused(stack: Stack) -> None:
    ring = stack.state.keys
    good = ring.sign(_claims(stack))
    assert await _status(stack, good) == 200  # the control: the same claims, properly signed
    other = keys.new_private_key()
    forged = {
        "another key, same kid": jwt.encode(_claims(stack), other, algorithm="RS256", headers={"kid": ring.kid}),
        "expired": ring.sign(_claims(stack, iat=int(time.time()) - 4000, exp=int(time.time()) - 3600)),
        "wrong issuer": ring.sign(_claims(stack, iss="https://evil.example")),
        "wrong audience": ring.sign(_claims(stack, aud="another-system")),
        "no audience": ring.sign({k: v for k, v in _claims(stack).items() if k != "aud"}),
        "alg none": _unsigned({"alg": "none", "typ": "JWT", "kid": ring.kid}, _claims(stack)) + ".",
    }
    # Algorithm confusion: HS256 with the RSA public key (as published) as the HMAC secret.
    public_pem = ring.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = _unsigned({"alg": "HS256", "typ": "JWT", "kid": ring.kid}, _claims(stack))
    signature = _b64(hmac.new(public_pem, body.encode(), hashlib.sha256).digest())
    forged["HS256 with the public key"] = f"{body}.{signature}"
    for what, token in forged.items():
        assert await _status(stack, token) == 401, what


async def test_rotation_publishes_both_keys_then_the_retired_one_is_refused(stack: Stack) -> None:
    old_token = (await stack.bearer("admin", "admin-pass-2026"))["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    admin = await stack.admin()
    r = await admin.post("/api/gateway/keys/rotate")
    assert r.status_code == 200, r.text
    assert len(r.json()["keys"]) == 2
    async with stack.client() as c:
        published = [k["kid"] for k in (await c.get("/.well-known/jwks.json")).json()["keys"]]
    new_token = (await stack.bearer("admin", "admin-pass-2026"))["access_token"]
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert new_kid != old_kid and set(published) == {old_kid, new_kid}
    # The new kid is unknown to sales' cache: it fetches the JWKS again (at most every 5 s: a token naming an
    # unknown kid may wait that long) and accepts it; the old one still works.

    async def new_status() -> int:
        return await _status(stack, new_token)

    await eventually(new_status, lambda code: code == 200, timeout=10, interval=0.3)
    assert await _status(stack, old_token) == 200
    # The retired key withdrawn (as after its tokens' lifetime, or at once when it leaked).
    await keys.remove_retired(stack.state.runtime.db, old_kid, stack.state.now())
    stack.state.keyring = await keys.load(stack.state.runtime.db, stack.state.now())
    async with stack.client() as c:
        assert [k["kid"] for k in (await c.get("/.well-known/jwks.json")).json()["keys"]] == [new_kid]

    async def old_status() -> int:
        return await _status(stack, old_token)

    # Sales trusts its cached keys for 2 s in this test (jwt_jwks_cache_seconds), then refuses the old token.
    await eventually(old_status, lambda code: code == 401, timeout=10, interval=0.3)
    assert await _status(stack, new_token) == 200
    await admin.aclose()

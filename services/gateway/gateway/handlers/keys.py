"""The RS256 signing keys: generated on first start and kept in the database (or a configured PEM), the newest
one signs, every key not yet expired is published as the JWKS. Rotation retires the signer (it is published
until the tokens it signed have expired) and makes a new one."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import insert, select, text, update

from gateway.db import kit, signing_keys
from servicekit import audit
from servicekit.db import Database

ALGORITHM = "RS256"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(private: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    # RFC 7638 thumbprint as the kid: the same key always gets the same kid.
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    kid = _b64(hashlib.sha256(canonical.encode()).digest())[:32]
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": ALGORITHM, "n": jwk["n"], "e": jwk["e"]}


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(private: rsa.RSAPrivateKey) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_pem(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ValueError("the signing key must be an RSA private key of at least 2048 bits")
    return key


@dataclass(frozen=True)
class KeyRing:
    """The signer and the published keys, as last read from the database."""

    kid: str
    private: rsa.RSAPrivateKey
    published: tuple[dict[str, Any], ...]

    def jwks(self) -> dict[str, Any]:
        return {"keys": list(self.published)}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm=ALGORITHM, headers={"kid": self.kid})

    def verify(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        """The gateway's own check of a bearer token (its own API): RS256 only, one of its published keys."""
        kid = jwt.get_unverified_header(token).get("kid")
        jwk = next((k for k in self.published if k["kid"] == kid), None)
        if jwk is None:
            raise jwt.InvalidKeyError("unknown kid")
        key = RSAAlgorithm.from_jwk(jwk)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,  # type: ignore[arg-type]
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        )
        return claims


async def _insert_key(conn: Any, private: rsa.RSAPrivateKey, now: datetime) -> None:
    jwk = public_jwk(private)
    await conn.execute(
        insert(signing_keys).values(
            kid=jwk["kid"], private_pem=pem_of(private), public_jwk=jwk, created_at=now, retired_at=None
        )
    )


async def _retire_others(conn: Any, keep_kid: str, now: datetime, publish_for: timedelta) -> None:
    await conn.execute(
        update(signing_keys)
        .where(signing_keys.c.kid != keep_kid, signing_keys.c.retired_at.is_(None))
        .values(retired_at=now, expires_at=now + publish_for)
    )


async def ensure_keys(db: Database, now: datetime, publish_for: timedelta, configured_pem: str | None) -> None:
    """A signer exists: the configured PEM (older keys retired) or, on first start, a new key. Replicas
    starting together take an advisory lock, so exactly one makes it."""
    async with db.transaction() as s:
        await s.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_keys'))"))
        if configured_pem is not None:
            private = load_pem(configured_pem)
            kid = public_jwk(private)["kid"]
            row = (await s.execute(select(signing_keys.c.kid).where(signing_keys.c.kid == kid))).first()
            if row is None:
                await _insert_key(s, private, now)
            await s.execute(
                update(signing_keys).where(signing_keys.c.kid == kid).values(retired_at=None, expires_at=None)
            )
            await _retire_others(s, kid, now, publish_for)
            return
        signer = (await s.execute(select(signing_keys.c.kid).where(signing_keys.c.retired_at.is_(None)))).first()
        if signer is None:
            await _insert_key(s, new_private_key(), now)


async def rotate(db: Database, now: datetime, publish_for: timedelta, *, actor: str = "system") -> str:
    """A new signer; the old one stays published for `publish_for` (the access tokens' lifetime and a margin)."""
    private = new_private_key()
    kid = str(public_jwk(private)["kid"])
    async with db.transaction() as s:
        await s.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_keys'))"))
        await _insert_key(s, private, now)
        await _retire_others(s, kid, now, publish_for)
        await audit.record(s, kit, actor=actor, entity="signing_key", entity_id=kid, action="rotated")
    return kid


async def remove_retired(db: Database, kid: str, now: datetime) -> None:
    """Stop publishing a retired key now (a compromised key, say): its tokens are refused once the services
    fetch the JWKS again."""
    async with db.transaction() as s:
        await s.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid, signing_keys.c.retired_at.is_not(None))
            .values(expires_at=now)
        )


async def load(db: Database, now: datetime) -> KeyRing:
    async with db.transaction() as s:
        rows = (
            await s.execute(
                select(signing_keys)
                .where((signing_keys.c.expires_at.is_(None)) | (signing_keys.c.expires_at > now))
                .order_by(signing_keys.c.created_at.desc())
            )
        ).all()
    signer = next((r for r in rows if r.retired_at is None), None)
    if signer is None:
        raise RuntimeError("no signing key: ensure_keys() was not run")
    return KeyRing(signer.kid, load_pem(signer.private_pem), tuple(r.public_jwk for r in rows))


def new_jti() -> str:
    return uuid.uuid4().hex

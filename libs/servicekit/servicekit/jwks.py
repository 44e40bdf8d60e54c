"""Bearer tokens verified through a JWKS (the gateway's /.well-known/jwks.json, or any OpenID Connect
provider's): the keys are cached and fetched again when a token names an unknown `kid` (at most every few
seconds: an attacker sending random kids cannot make us hammer the provider); the algorithms are pinned
(RS256 by default: `alg: none` and an HS256 token signed with the public key as its secret are refused); the
issuer and the audience are checked; the roles come from a configurable claim (a dotted path, e.g.
`realm_access.roles` for Keycloak)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import jwt
from fastapi import HTTPException

from servicekit.config import ServiceSettings

log = logging.getLogger("servicekit.jwks")
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})


class JwksClient:
    def __init__(self, url: str, *, cache_seconds: float, min_refetch_seconds: float = 5.0) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def valid_until(self) -> float:
        """Until when the keys fetched last are trusted without asking again (monotonic clock)."""
        return self._fetched_at + self.cache_seconds

    async def key(self, kid: str, algorithms: frozenset[str]) -> jwt.PyJWK | None:
        now = time.monotonic()
        stale = now >= self.valid_until
        if stale or (kid not in self._keys and now - self._fetched_at >= self.min_refetch_seconds):
            async with self._lock:
                if self._fetched_at < now:  # nobody fetched while we waited for the lock
                    await self._fetch(algorithms)
        return self._keys.get(kid)

    async def _fetch(self, algorithms: frozenset[str]) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            # Keep the keys we have (a provider briefly down must not lock everybody out); retry soon.
            log.warning("fetching the JWKS from %s failed: %s", self.url, exc)
            self._fetched_at = time.monotonic() - self.cache_seconds + self.min_refetch_seconds
            return
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or "kid" not in entry or entry.get("use", "sig") != "sig":
                continue
            alg = entry.get("alg")
            if alg is not None and alg not in algorithms:
                continue
            try:
                keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm=alg or _default_alg(entry, algorithms))
            except jwt.PyJWTError as exc:
                log.warning("JWKS key %s skipped: %s", entry.get("kid"), exc)
        self._keys = keys
        self._fetched_at = time.monotonic()


def _default_alg(entry: dict[str, Any], algorithms: frozenset[str]) -> str:
    family = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA",)}.get(str(entry.get("kty")), ())
    return next((a for a in sorted(algorithms) if a.startswith(family)), "RS256")


_CLIENTS: dict[str, JwksClient] = {}


def client_for(settings: ServiceSettings) -> JwksClient:
    url = settings.jwt_jwks_url
    assert url is not None
    client = _CLIENTS.get(url)
    if client is None or client.cache_seconds != settings.jwt_jwks_cache_seconds:
        client = _CLIENTS[url] = JwksClient(url, cache_seconds=settings.jwt_jwks_cache_seconds)
    return client


def _refuse(reason: str) -> HTTPException:
    return HTTPException(401, f"invalid token: {reason}", headers={"WWW-Authenticate": "Bearer"})


def roles_of(claims: dict[str, Any], path: str) -> list[str]:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, str):  # some providers send a space-separated string
        return value.split()
    if isinstance(value, list) and all(isinstance(r, str) for r in value):
        return value
    raise _refuse(f"the {path} claim must be a list of strings")


async def verify(settings: ServiceSettings, token: str) -> tuple[str, list[str], float]:
    """(sub, roles, until when this result may be cached: the token's expiry or the keys' trust, if sooner)."""
    algorithms = frozenset(settings.jwt_jwks_algorithms)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _refuse(str(exc)) from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in algorithms:
        raise _refuse(f"algorithm {alg!r} is not accepted")
    if not isinstance(kid, str):
        raise _refuse("no kid")
    client = client_for(settings)
    key = await client.key(kid, algorithms)
    if key is None:
        raise _refuse(f"unknown signing key {kid!r}")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm_name] if key.algorithm_name in algorithms else [],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise _refuse(str(exc)) from exc
    until = min(float(claims["exp"]), time.time() + (client.valid_until - time.monotonic()))
    return str(claims["sub"]), roles_of(claims, settings.jwt_roles_claim), until

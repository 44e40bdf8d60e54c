"""The gateway's only wiring point: `uvicorn --factory gateway.main:create_app`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.api import admin, auth, console, events, proxy, tracking
from gateway.config import GatewaySettings
from gateway.consumers import live_feed
from gateway.db import kit
from gateway.handlers import keys, users
from gateway.live import LiveHub
from gateway.middleware import SecurityHeaders
from gateway.ratelimit import RateLimiter
from gateway.state import GatewayState
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import Runtime, ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
log = logging.getLogger("gateway")


def definition(settings: GatewaySettings | None = None, hub: LiveHub | None = None) -> ServiceDefinition:
    settings = settings or GatewaySettings()
    background = [live_feed(hub)] if hub is not None and settings.events_enabled else []
    return ServiceDefinition(
        name="gateway",
        description="Sign-in, users and roles, RS256 tokens (JWKS), the browser session, the proxy to the services' "
        "APIs, live change notices (SSE) and the web console.",
        tables=kit,
        migrations_dir=MIGRATIONS,
        background=[*background, keys_reloader(settings)],
    )


def keys_reloader(settings: GatewaySettings) -> Any:
    """Another replica may rotate the keys: re-read them now and then."""

    async def reload(runtime: Runtime) -> None:
        while True:
            await asyncio.sleep(settings.keys_reload_seconds)
            state: GatewayState = runtime.definition.extra["state"]
            with contextlib.suppress(Exception):
                state.keyring = await keys.load(runtime.db, runtime.clock.now())

    return reload


def create_app(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    hub = LiveHub(settings.events_ring_size, settings.events_client_buffer, settings.events_max_clients)
    service = definition(settings, hub)
    app = create_service_app(service, settings, clock=clock)
    runtime: Runtime = app.state.runtime
    state = GatewayState(settings, runtime, hub, RateLimiter(settings.tracking_rate_per_minute))
    service.extra["state"] = state
    app.state.gateway = state
    service_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app_):  # migrations, then the runtime (and the live feed)
            await _start(state)
            try:
                yield
            finally:
                if state.http is not None:
                    await state.http.aclose()

    app.router.lifespan_context = lifespan
    for router in (auth.router, admin.router, events.router, tracking.router, proxy.router, console.router):
        app.include_router(router)
    app.add_middleware(SecurityHeaders)
    return app


async def _start(state: GatewayState) -> None:
    s, db, now = state.settings, state.runtime.db, state.now()
    publish_for = timedelta(seconds=s.access_token_ttl_seconds + 300)
    pem = s.signing_key_pem.get_secret_value() if s.signing_key_pem else None
    await keys.ensure_keys(db, now, publish_for, pem)
    state.keyring = await keys.load(db, now)
    if s.bootstrap_admin_password is not None:
        await users.bootstrap_admin(db, s.bootstrap_admin_password.get_secret_value(), now)
    timeout = httpx.Timeout(s.upstream_timeout_seconds, connect=s.upstream_connect_timeout_seconds)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    state.http = httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)
    # With tracing on, a proxied call is a CLIENT span whose context the service's request span continues.
    state.runtime.tracing.instrument_client(state.http)

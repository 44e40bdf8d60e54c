"""The whole platform for end-to-end tests: the five services on the real broker, each with a fresh database
and fresh consumer groups, in this process (fast) or as uvicorn processes (`tools.stack.as_processes`, to kill
them)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from servicekit.clock import Clock
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.testing import Infra, create_database, drop_database, listen, serve, service_settings
from tools.stack import SERVICES, Platform, as_processes, databases, free_port, service_module, topics_of


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.config")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def runtime(platform: Platform, service: str) -> Runtime[Any]:
    rt: Runtime[Any] = platform.apps[service].state.runtime
    return rt


@contextlib.asynccontextmanager
async def in_process(
    infra: Infra, *, clock: Clock | None = None, services: tuple[str, ...] = SERVICES, **overrides: Any
) -> AsyncIterator[Platform]:
    """All services in this event loop, each with its own database."""
    async with databases(infra, services) as urls, contextlib.AsyncExitStack() as stack:
        platform = Platform(infra, urls)
        for service in services:
            settings = await service_settings(
                settings_class(service), infra, urls[service], pin=topics_of(service), **overrides
            )
            app = service_module(service).create_app(settings, clock=clock)
            platform.apps[service] = app
            platform.clients[service] = await stack.enter_async_context(serve(app))
        yield platform


@dataclass
class GatewayPlatform(Platform):
    """Services listening on real ports behind a gateway (also listening): its URL, its app."""

    gateway_url: str = ""
    gateway_app: Any = None


GATEWAY_ADMIN_PASSWORD = "admin-pass-2026"


@contextlib.asynccontextmanager
async def behind_gateway(
    infra: Infra, *, services: tuple[str, ...] = ("sales", "inventory", "finance"), **gateway_overrides: Any
) -> AsyncIterator[GatewayPlatform]:
    """Some services in this event loop, each listening on a port and verifying tokens through the JWKS of a
    gateway in front of them (user `admin` with GATEWAY_ADMIN_PASSWORD). `clients` reach the services directly."""
    from gateway.config import GatewaySettings
    from gateway.main import create_app as create_gateway

    ports = {s: free_port() for s in (*services, "gateway")}
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}
    gw_url = urls["gateway"]
    verify = {"jwt_jwks_url": f"{gw_url}/.well-known/jwks.json", "jwt_issuer": gw_url, "jwt_audience": "order-tracking"}
    gw_db = await create_database(infra, prefix="e2e_gateway")
    try:
        async with databases(infra, services) as dbs, contextlib.AsyncExitStack() as stack:
            gw_settings = await service_settings(
                GatewaySettings, infra, gw_db, issuer=gw_url, bootstrap_admin_password=GATEWAY_ADMIN_PASSWORD,
                **{f"{s}_url": urls[s] for s in services}, **gateway_overrides,
            )  # fmt: skip
            gateway_app = create_gateway(gw_settings)
            await stack.enter_async_context(listen(gateway_app, ports["gateway"]))
            platform = GatewayPlatform(infra, dbs, gateway_url=gw_url, gateway_app=gateway_app)
            for service in services:
                settings = await service_settings(
                    settings_class(service), infra, dbs[service], pin=topics_of(service), **verify
                )
                app = service_module(service).create_app(settings)
                platform.apps[service] = app
                await stack.enter_async_context(listen(app, ports[service]))
                platform.clients[service] = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=urls[service], timeout=30)
                )
            yield platform
    finally:
        await drop_database(infra, gw_db)


__all__ = ["SERVICES", "GatewayPlatform", "Platform", "as_processes", "behind_gateway", "in_process", "runtime"]

"""The whole platform for end-to-end tests: the five services on the real broker, each with a fresh database
and fresh consumer groups, in this process (fast) or as uvicorn processes (`tools.stack.as_processes`, to kill
them)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from typing import Any

from servicekit.clock import Clock
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.testing import Infra, serve, service_settings
from tools.stack import SERVICES, Platform, as_processes, databases, service_module, topics_of


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.config")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def runtime(platform: Platform, service: str) -> Runtime:
    rt: Runtime = platform.apps[service].state.runtime
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


__all__ = ["SERVICES", "Platform", "as_processes", "in_process", "runtime"]

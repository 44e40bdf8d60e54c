"""The whole platform for end-to-end tests: the five services on the real broker, each with a fresh database
and fresh consumer groups, either in this process (fast) or as uvicorn processes (to kill them)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from servicekit.clock import Clock
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime
from servicekit.testing import (
    JWT_SECRET,
    Infra,
    auth,
    create_database,
    drop_database,
    eventually,
    pin_group_to_end,
    serve,
    service_settings,
)

SERVICES = ("purchasing", "sales", "inventory", "finance", "notifier")
REPO = Path(__file__).resolve().parents[1]


def _settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.config")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def _module(service: str) -> Any:
    return importlib.import_module(f"{service}.main")


@dataclass
class Platform:
    infra: Infra
    urls: dict[str, str]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)

    def runtime(self, service: str) -> Runtime:
        runtime: Runtime = self.apps[service].state.runtime
        return runtime

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


@contextlib.asynccontextmanager
async def databases(infra: Infra, services: tuple[str, ...] = SERVICES) -> AsyncIterator[dict[str, str]]:
    urls = {s: await create_database(infra, prefix=f"e2e_{s}") for s in services}
    try:
        yield urls
    finally:
        for url in urls.values():
            await drop_database(infra, url)


@contextlib.asynccontextmanager
async def in_process(
    infra: Infra, *, clock: Clock | None = None, services: tuple[str, ...] = SERVICES, **overrides: Any
) -> AsyncIterator[Platform]:
    """All services in this event loop, each with its own database."""
    async with databases(infra, services) as urls, contextlib.AsyncExitStack() as stack:
        platform = Platform(infra, urls)
        for service in services:
            module = _module(service)
            topics = module.definition().handlers.topics if module.definition().handlers else []
            settings = await service_settings(_settings_class(service), infra, urls[service], pin=topics, **overrides)
            app = module.create_app(settings, clock=clock)
            platform.apps[service] = app
            platform.clients[service] = await stack.enter_async_context(serve(app))
        yield platform


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    service: str
    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", f"{self.service}.main:create_app",
                "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
            ],
            env=self.env, stdout=out, stderr=out, cwd=REPO,
        )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)

    async def ready(self, timeout: float = 60) -> None:
        async with httpx.AsyncClient(base_url=self.url) as client:

            async def probe() -> int:
                if self.proc is not None and self.proc.poll() is not None:
                    raise AssertionError(f"{self.service} exited: {self.log.read_text()[-3000:]}")
                try:
                    return (await client.get("/health/ready")).status_code
                except httpx.HTTPError:
                    return 0

            await eventually(probe, lambda code: code == 200, timeout=timeout, interval=0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def as_processes(
    infra: Infra, tmp: Path, *, services: tuple[str, ...] = SERVICES, extra_env: dict[str, str] | None = None
) -> AsyncIterator[tuple[Platform, dict[str, Process]]]:
    """All services as separate uvicorn processes (so a test can SIGKILL one), each with its own database."""
    async with databases(infra, services) as urls:
        platform = Platform(infra, urls)
        procs: dict[str, Process] = {}
        for service in services:
            prefix = service.upper()
            module = _module(service)
            group = f"{service}-{os.urandom(5).hex()}"
            topics = module.definition().handlers.topics if module.definition().handlers else []
            if topics:
                await pin_group_to_end(infra.kafka_bootstrap, group, topics)
            env = {
                **os.environ,
                f"{prefix}_DATABASE_URL": urls[service],
                f"{prefix}_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
                f"{prefix}_CONSUMER_GROUP": group,
                f"{prefix}_JWT_SECRET": JWT_SECRET,
                f"{prefix}_OUTBOX_POLL_SECONDS": "0.2",
                **(extra_env or {}),
            }
            procs[service] = Process(service, env, _free_port(), tmp / f"{service}.log")
            procs[service].start()
        try:
            await asyncio.gather(*(p.ready() for p in procs.values()))
            async with contextlib.AsyncExitStack() as stack:
                for service, p in procs.items():
                    platform.clients[service] = await stack.enter_async_context(
                        httpx.AsyncClient(base_url=p.url, timeout=30)
                    )
                yield platform, procs
        finally:
            for p in procs.values():
                if p.proc is not None and p.proc.poll() is None:
                    p.kill(signal.SIGTERM)


__all__ = ["SERVICES", "Platform", "as_processes", "auth", "in_process"]

"""Run the five services as separate uvicorn processes on the real broker, each with its own fresh database and
fresh consumer groups, so that tests, the chaos run and the benchmark can kill, pause and restart them."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import TopicPartition

from servicekit.testing import JWT_SECRET, Infra, create_database, drop_database, eventually, pin_group_to_end

SERVICES = ("purchasing", "sales", "inventory", "finance", "notifier")
REPO = Path(__file__).resolve().parents[1]


def service_module(service: str) -> Any:
    return importlib.import_module(f"{service}.main")


def topics_of(service: str) -> list[str]:
    handlers = service_module(service).definition().handlers
    return handlers.topics if handlers else []


@dataclass
class Platform:
    """HTTP clients (and, in-process, the apps) of a running platform, and each service's database URL."""

    infra: Infra
    urls: dict[str, str]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    apps: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


@contextlib.asynccontextmanager
async def databases(
    infra: Infra, services: tuple[str, ...] = SERVICES, prefix: str = "e2e"
) -> AsyncIterator[dict[str, str]]:
    urls = {s: await create_database(infra, prefix=f"{prefix}_{s}") for s in services}
    try:
        yield urls
    finally:
        for url in urls.values():
            await drop_database(infra, url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    service: str
    env: dict[str, str]
    port: int
    log: Path
    group: str = ""
    pinned: dict[TopicPartition, int] = field(default_factory=dict)  # where the group started
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The child gets its own copy of the descriptor: ours is closed once it started.
        with self.log.open("ab") as out:
            self.proc = self._popen(out)

    def _popen(self, out: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", f"{self.service}.main:create_app",
                "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--no-access-log",
            ],
            env=self.env, stdout=out, stderr=out, cwd=REPO,
        )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send a terminating signal and wait for the process to exit."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)

    def send(self, sig: int) -> None:
        """Send a signal without waiting (SIGSTOP, SIGCONT)."""
        assert self.proc is not None
        self.proc.send_signal(sig)

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

    def replica(self, name: str) -> Process:
        """Another replica of this service (same database, same consumer group), not started yet."""
        return Process(self.service, self.env, free_port(), self.log.with_name(f"{name}.log"), self.group, self.pinned)


async def service_process(
    infra: Infra,
    service: str,
    database_url: str,
    port: int,
    tmp: Path,
    base: dict[str, str],
    settings: dict[str, str],
    extra_env: dict[str, str] | None = None,
) -> Process:
    """A service's process, not started: `base` and `extra_env` as its environment, with its database, a fresh
    consumer group pinned at the end of the topics it reads, a fast outbox and `settings` (names without the
    service's prefix); its log in `tmp`."""
    prefix = service.upper()
    group = f"{service}-{os.urandom(5).hex()}"
    topics = topics_of(service)
    pinned = await pin_group_to_end(infra.kafka_bootstrap, group, topics) if topics else {}
    own = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP": infra.kafka_bootstrap, "CONSUMER_GROUP": group,
           "OUTBOX_POLL_SECONDS": "0.2", **settings}  # fmt: skip
    env = {**base, **{f"{prefix}_{k}": v for k, v in own.items()}, **(extra_env or {})}
    return Process(service, env, port, tmp / f"{service}.log", group, pinned)


@contextlib.asynccontextmanager
async def clients(platform: Platform, procs: dict[str, Process], names: Iterable[str]) -> AsyncIterator[None]:
    """`platform.clients` for the processes `names`, open while the block runs."""
    async with contextlib.AsyncExitStack() as stack:
        for name in names:
            client = httpx.AsyncClient(base_url=procs[name].url, timeout=30)
            platform.clients[name] = await stack.enter_async_context(client)
        yield


def stop(procs: dict[str, Process]) -> None:
    """SIGTERM to each process still running (one a test killed is left as it is)."""
    for p in procs.values():
        if p.proc is not None and p.proc.poll() is None:
            p.kill(signal.SIGTERM)


@contextlib.asynccontextmanager
async def as_processes(
    infra: Infra,
    tmp: Path,
    *,
    services: tuple[str, ...] = SERVICES,
    extra_env: dict[str, str] | None = None,
    prefix: str = "e2e",
    replicas: int = 1,
) -> AsyncIterator[tuple[Platform, dict[str, Process]]]:
    """All services as separate uvicorn processes (so a test can SIGKILL one), each with its own database;
    with `replicas`, that many of each (`sales`, `sales-2`, ...; the clients talk to the first). Replicas a test
    adds to the dict it is given are stopped with the others."""
    async with databases(infra, services, prefix) as urls:
        platform = Platform(infra, urls)
        procs: dict[str, Process] = {}
        for service in services:
            auth = {"JWT_SECRET": JWT_SECRET}
            procs[service] = await service_process(
                infra, service, urls[service], free_port(), tmp, dict(os.environ), auth, extra_env
            )
            for n in range(2, replicas + 1):
                procs[f"{service}-{n}"] = procs[service].replica(f"{service}-{n}")
        for p in procs.values():
            p.start()
        try:
            await asyncio.gather(*(p.ready() for p in procs.values()))
            async with clients(platform, procs, procs):
                yield platform, procs
        finally:
            stop(procs)


@contextlib.asynccontextmanager
async def behind_gateway_processes(
    infra: Infra,
    tmp: Path,
    *,
    services: tuple[str, ...] = SERVICES,
    prefix: str = "gw",
    admin_password: str,
    gateway_env: dict[str, str] | None = None,
) -> AsyncIterator[tuple[Platform, dict[str, Process]]]:
    """The gateway and `services` as uvicorn processes, as `make up` runs them: fresh databases and consumer
    groups, the gateway signing RS256 tokens (user `admin` with `admin_password`) and the services verifying them
    through its JWKS. `clients` reach the services directly; `procs["gateway"].url` is the gateway."""
    async with databases(infra, ("gateway", *services), prefix=prefix) as urls:
        ports = {s: free_port() for s in ("gateway", *services)}
        gw_url = f"http://127.0.0.1:{ports['gateway']}"
        base = {k: v for k, v in os.environ.items() if "JWT_SECRET" not in k}
        gateway = {
            **base,
            "GATEWAY_DATABASE_URL": urls["gateway"],
            "GATEWAY_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "GATEWAY_ISSUER": gw_url,
            "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": admin_password,
            **{f"GATEWAY_{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}" for s in services},
            **(gateway_env or {}),
        }
        procs = {"gateway": Process("gateway", gateway, ports["gateway"], tmp / "gateway.log")}
        jwks = {
            "JWT_JWKS_URL": f"{gw_url}/.well-known/jwks.json",
            "JWT_ISSUER": gw_url,
            "JWT_AUDIENCE": "order-tracking",
        }
        for service in services:
            procs[service] = await service_process(infra, service, urls[service], ports[service], tmp, base, jwks)
        try:
            procs["gateway"].start()
            await procs["gateway"].ready(timeout=90)  # its JWKS first: the services fetch it
            for service in services:
                procs[service].start()
            await asyncio.gather(*(procs[s].ready(timeout=90) for s in services))
            platform = Platform(infra, urls)
            async with clients(platform, procs, services):
                yield platform, procs
        finally:
            stop(procs)

"""Helpers for tests on the real broker and database (used by every service's tests and by tests/)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import shutil
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from servicekit.auth import issue_token
from servicekit.clock import ManualClock
from servicekit.config import ServiceSettings
from servicekit.runtime import Runtime

T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)
REPO = Path(__file__).resolve().parents[3]
JWT_SECRET = "test-secret-for-signing-tokens-32-bytes-or-more"


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    pg_admin_url: str  # postgresql://user:pass@host:port/postgres, a superuser


def _from_env() -> Infra | None:
    bootstrap, admin = os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("PG_ADMIN_URL")
    return Infra(bootstrap, admin) if bootstrap and admin else None


def _docker_reachable() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0


def _from_testcontainers() -> Infra:  # pragma: no cover - needs a Docker engine
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.postgres import PostgresContainer

    kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft()
    kafka.start()
    pg = PostgresContainer("postgres:15", username="platform", password="platform")
    pg.start()
    url = pg.get_connection_url().replace("postgresql+psycopg2://", "postgresql://").rsplit("/", 1)[0]
    bootstrap = kafka.get_bootstrap_server()
    # The registry's topics, as deploy/local/topics.sh creates them for the native stack.
    topics = subprocess.run(
        [sys.executable, "-m", "contracts", "topics"], check=True, capture_output=True, text=True
    ).stdout
    subprocess.run(
        [sys.executable, str(REPO / "deploy" / "local" / "ensure_topics.py"), bootstrap],
        input=topics,
        text=True,
        check=True,
    )
    return Infra(bootstrap, f"{url}/postgres")


# The tests' own Kafka and PostgreSQL (as `make test` provisions them): apart from the platform `make up` runs.
TEST_INFRA = {"LOCAL_DIR": ".local/test", "KAFKA_PORT": "19092", "KAFKA_CONTROLLER_PORT": "19093", "PG_PORT": "15433"}


def infra_script_env() -> dict[str, str]:
    """The environment for the deploy/local scripts acting on the tests' infrastructure."""
    return {**os.environ, **{k: os.environ.get(k, v) for k, v in TEST_INFRA.items()}}


def _from_local_scripts() -> Infra:
    script = REPO / "deploy" / "local" / "infra.sh"
    env_vars = infra_script_env()
    subprocess.run([str(script), "up"], check=True, cwd=REPO, env=env_vars)
    env = subprocess.run(
        [str(script), "env"], check=True, cwd=REPO, capture_output=True, text=True, env=env_vars
    ).stdout
    values = dict(
        line.removeprefix("export ").split("=", 1) for line in env.splitlines() if "=" in line and line.strip()
    )
    return Infra(values["KAFKA_BOOTSTRAP"].strip("'\""), values["PG_ADMIN_URL"].strip("'\""))


def discover_infra() -> Infra:
    """Environment first, then testcontainers when a Docker engine answers, then the native local stack.
    Never skips: if none works, the error propagates and the tests fail."""
    return _from_env() or (_from_testcontainers() if _docker_reachable() else _from_local_scripts())


async def create_database(infra: Infra, prefix: str = "t") -> str:
    """A fresh, empty database; returns its SQLAlchemy asyncpg URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(infra.pg_admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = infra.pg_admin_url.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def drop_database(infra: Infra, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(infra.pg_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def partitions_of(bootstrap: str, topics: list[str] | tuple[str, ...]) -> list[TopicPartition]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        found = []
        for topic in topics:
            parts = await asyncio.wait_for(producer.partitions_for(topic), timeout=10)
            if not parts:
                raise AssertionError(f"topic {topic} does not exist: were topics created (deploy/local/topics.sh)?")
            found += [TopicPartition(topic, p) for p in sorted(parts)]
        return found
    finally:
        await producer.stop()


async def pin_group_to_end(bootstrap: str, group: str, topics: list[str]) -> dict[TopicPartition, int]:
    """Commit a fresh consumer group at the current end of its topics, so a test's service reads only what
    the test produces, not the history other tests left on the shared topics."""
    partitions = await partitions_of(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.commit({tp: offset for tp, offset in ends.items()})
    finally:
        await consumer.stop()
    return dict(ends)


class TopicTail:
    """Reads what is written to some topics after it was opened."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self._bootstrap = bootstrap
        self._topics = topics
        self._consumer: AIOKafkaConsumer | None = None
        self.records: list[ConsumerRecord[Any, Any]] = []

    async def __aenter__(self) -> TopicTail:
        partitions = await partitions_of(self._bootstrap, self._topics)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        await self._consumer.start()
        self._consumer.assign(partitions)
        for tp, offset in (await self._consumer.end_offsets(partitions)).items():
            self._consumer.seek(tp, offset)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def fetch(self) -> list[ConsumerRecord[Any, Any]]:
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=200)
        for records in batch.values():
            self.records.extend(records)
        return self.records

    async def wait_for(
        self, predicate: Callable[[list[ConsumerRecord[Any, Any]]], bool], timeout: float = 20.0
    ) -> list[ConsumerRecord[Any, Any]]:
        deadline = time.monotonic() + timeout
        while not predicate(await self.fetch()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s; {len(self.records)} records seen")
        return self.records


@overload
async def eventually(
    probe: Callable[[], Awaitable[T]], check: Callable[[T], bool] = ..., timeout: float = ..., interval: float = ...
) -> T: ...


@overload
async def eventually(
    probe: Callable[[], T], check: Callable[[T], bool] = ..., timeout: float = ..., interval: float = ...
) -> T: ...


async def eventually(
    probe: Callable[[], Any],
    check: Callable[[Any], bool] = bool,
    timeout: float = 20.0,
    interval: float = 0.1,
) -> Any:
    """Poll `probe` (a coroutine function, or a plain function such as a predicate) until `check` holds for its
    value (by default: the value is true); fail with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        value = await got if inspect.isawaitable(got) else got
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)


def token(*roles: str, sub: str = "tester", secret: str = JWT_SECRET) -> str:
    return issue_token(secret, sub, list(roles))


def auth(*roles: str, sub: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, sub=sub)}"}


_SERVED: weakref.WeakKeyDictionary[httpx.AsyncClient, FastAPI] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in-process (its lifespan starts the runtime: migrations, relay, subscribers) and
    give an HTTP client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            _SERVED[client] = app
            yield client


def runtime_of(client: httpx.AsyncClient) -> Runtime[Any]:
    """The runtime of the app a client of `serve` talks to."""
    runtime: Runtime[Any] = _SERVED[client].state.runtime
    return runtime


async def service_settings(
    settings_cls: type[S], infra: Infra, database_url: str, *, pin: list[str] | None = None, **overrides: Any
) -> S:
    """Settings for a service under test: its own fresh database and a fresh consumer group pinned at the end
    of the topics it reads (pass the service's `handlers.topics`)."""
    group = f"{settings_cls.__name__.lower()}-{uuid.uuid4().hex[:10]}"
    if pin:
        await pin_group_to_end(infra.kafka_bootstrap, group, pin)
    return settings_cls(
        database_url=database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        consumer_group=group,
        jwt_secret=JWT_SECRET,
        outbox_poll_seconds=0.2,
        **overrides,
    )


class ServiceHarness:
    """A service under test (in-process, see `serve`) plus a producer to feed it other services' messages."""

    def __init__(self, client: httpx.AsyncClient, producer: AIOKafkaProducer, clock: ManualClock) -> None:
        self.client = client
        self.producer = producer
        self.clock = clock
        self.runtime = runtime_of(client)

    async def send(self, message: Message, envelope: Envelope | None = None, producer: str = "test") -> Envelope:
        """Publish `message` as another service would (a real envelope on its registry topic)."""
        env = envelope or Envelope.wrap(message, producer=producer)
        await self.producer.send_and_wait(
            topic_of(message).name, value=env.model_dump_json().encode(), key=env.key.encode()
        )
        return env

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.runtime.db.transaction() as s:
            return list((await s.execute(text(sql), params)).all())

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.runtime.db.transaction() as s:
            return await s.scalar(text(sql), params)

    async def until(self, sql: str, check: Any = bool, timeout: float = 20, **params: Any) -> Any:
        """Poll a query until `check` holds for its value."""

        async def probe() -> Any:
            return await self.scalar(sql, **params)

        return await eventually(probe, check, timeout=timeout)


@contextlib.asynccontextmanager
async def listen(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Serve an app over real HTTP on 127.0.0.1 in this event loop (uvicorn, lifespan included), for what must
    be reached by URL: a proxy's upstream, a JWKS. Yields its base URL."""
    import socket

    import uvicorn

    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 60
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("the server stopped before it started")
        if time.monotonic() > deadline:
            raise AssertionError("the server did not start within 60 s")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task

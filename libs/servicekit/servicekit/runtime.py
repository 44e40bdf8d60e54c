"""One service process: its database, outbox relay, Kafka subscribers and background jobs, started and
stopped together. `app.create_service_app` serves it over HTTP; tests may drive a `Runtime` directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer
from fastapi import APIRouter, Depends, Request
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from servicekit import _compat
from servicekit.clock import Clock, SystemClock
from servicekit.config import ServiceSettings
from servicekit.consumer import MessageHandlers, MessageProcessor
from servicekit.db import Database, KitTables
from servicekit.deadletter import DeadLetters
from servicekit.kafka import Producer
from servicekit.migrations import upgrade_to_head
from servicekit.offsets import OffsetCommitter
from servicekit.outbox import Outbox
from servicekit.polling import FetchWindow, poller
from servicekit.rebalance import InFlight, Rebalancing
from servicekit.relay import OutboxRelay
from servicekit.tracing import Tracing

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)
# A job started with the runtime, given it (typed by the service's settings).
BackgroundJob = Callable[["Runtime[S]"], Awaitable[None]]


@dataclass
class ServiceDefinition(Generic[S]):
    """Everything that makes one service: handed to `Runtime` / `create_service_app` by the service's main.
    Generic in the service's settings type, so its jobs and handlers read their settings typed, without
    fallbacks: a setting a service needs is declared, with its default if it has one, in its settings class."""

    name: str
    tables: KitTables
    routers: Sequence[APIRouter] = ()
    handlers: MessageHandlers[Any] | None = None
    migrations_dir: Path | None = None
    background: Sequence[BackgroundJob[S]] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


async def _raw_records(message: Any) -> Any:
    # The processor validates records itself; FastStream must not try to decode (and choke on) poison bodies.
    # The handler gets the fetched records as its body (no dependency injection: it costs a thread hop per batch).
    return message.raw_message


class Runtime(Generic[S]):
    """One service process, generic in its settings type (`Runtime[SalesSettings]`)."""

    def __init__(self, definition: ServiceDefinition[S], settings: S, clock: Clock | None = None) -> None:
        self.definition = definition
        self.settings: S = settings
        self.clock: Clock = clock or SystemClock()
        self.tables = definition.tables
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        self.tracing = Tracing.for_service(settings.service_name, settings.otlp_endpoint)
        self.outbox = Outbox(definition.tables, settings.service_name)
        self.outbox.traced = self.tracing.enabled
        self.producer: Producer | None = None
        self.relay: OutboxRelay | None = None
        self.broker: KafkaBroker | None = None
        self.processor: MessageProcessor | None = None
        self.offsets = OffsetCommitter(settings.consumer_commit_interval_ms / 1000)
        self.in_flight = InFlight()
        self.rebalancing: Rebalancing | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.lag_series: set[tuple[str, str, str]] = set()  # the lag gauges this replica set (sampling.py)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        s = self.settings
        _compat.check_versions()
        if s.run_migrations and self.definition.migrations_dir is not None:
            await asyncio.to_thread(upgrade_to_head, self.definition.migrations_dir, s.database_url)
        self.producer = Producer(s.kafka_bootstrap, s.service_name)
        await self.producer.start()
        if s.start_relay:
            self.relay = OutboxRelay(
                dsn=s.asyncpg_dsn,
                bootstrap=s.kafka_bootstrap,
                service=s.service_name,
                batch_size=s.outbox_batch_size,
                poll_seconds=s.outbox_poll_seconds,
                producer=self.producer,
                tracing=self.tracing,
            )
            self.outbox.relay = self.relay  # woken in-process by this process's commits while it leads
            self._spawn(self.relay.run(), "relay")
        if s.start_consumers and self.definition.handlers and self.definition.handlers.topics:
            await self._start_subscribers(self.definition.handlers)
        for job in self.definition.background:
            self._spawn(job(self), getattr(job, "__name__", "job"))

    async def _start_subscribers(self, handlers: MessageHandlers[Any]) -> None:
        s = self.settings
        assert self.producer is not None
        self.processor = MessageProcessor(
            consumer=s.service_name,
            handlers=handlers,
            db=self.db,
            tables=self.tables,
            outbox=self.outbox,
            clock=self.clock,
            dead_letters=DeadLetters(self.producer, s.service_name),
            max_attempts=s.handler_max_attempts,
            tracing=self.tracing,
        )
        processor = self.processor
        self.rebalancing = Rebalancing(s.group_id, self.in_flight, self.offsets)
        self.broker = KafkaBroker(s.kafka_bootstrap, client_id=s.service_name, logger=None, apply_types=False)
        subscriber = self.broker.subscriber(
            *handlers.topics,
            group_id=s.group_id,
            batch=True,
            max_records=s.consumer_max_records,
            fetch_min_bytes=s.consumer_fetch_min_bytes,
            fetch_max_wait_ms=s.consumer_fetch_max_wait_ms,
            auto_offset_reset="earliest",
            # Offsets are committed by `self.offsets` once the batch's transactions committed (see offsets.py);
            # a raised error seeks the batch's partitions back instead.
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_records,
            listener=self.rebalancing,
        )
        # FastStream's batch poll sleeps as long as its timeout after a poll that found nothing, and a record that
        # arrives meanwhile waits for the sleep to end (one order alone took 160 ms instead of 85). Polled here
        # instead: wait up to the timeout, return as soon as records are fetched, never sleep.
        _compat.replace_batch_poll(
            subscriber,
            poller(
                s.consumer_poll_timeout_ms,
                s.consumer_max_records,
                FetchWindow(s.consumer_fetch_max_wait_ms, s.consumer_fetch_max_wait_busy_ms),
            ),
        )
        offsets, in_flight = self.offsets, self.in_flight

        @subscriber
        async def consume(records: Any) -> None:
            batch = records if isinstance(records, tuple) else (records,)
            consumer = subscriber.consumer
            if in_flight.draining:
                return  # stopping: left unprocessed and uncommitted, for the partition's next owner
            in_flight.begin()
            try:
                await processor.process_batch(batch)
            except BaseException:
                offsets.rewind(consumer, batch)
                raise
            finally:
                in_flight.end()
            offsets.processed(consumer, batch)
            if offsets.interval <= 0:
                await offsets.flush()

        await self.broker.start()
        self.consumer = subscriber.consumer
        self._spawn(offsets.run(), "offsets")

    def _spawn(self, coro: Awaitable[None], name: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task %s crashed", name)

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        # The consumer first: no new batch is started, the one in flight finishes, and what was processed is
        # committed while the consumer still owns its partitions; then it leaves the group (its partitions go
        # to the other replicas, which start where this one stopped).
        if self.broker is not None:
            self.in_flight.draining = True
            finished = await self.in_flight.finished(timeout=30)
            committed = {}
            with contextlib.suppress(Exception):
                committed = await self.offsets.flush()
            log.info(
                "consumer drained (%s), offsets committed: %s, left uncommitted: %d",
                "batch in flight finished" if finished else "batch in flight NOT finished in 30 s",
                {f"{tp.topic}[{tp.partition}]": o for tp, o in sorted(committed.items())},
                self.offsets.pending,
            )
            await self.broker.stop()
        if self.relay is not None:
            self.relay.stop()
        for task in self._tasks:
            if task.get_name() != "relay":
                task.cancel()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), timeout=10)
        if self.producer is not None:
            await self.producer.stop()
        await self.db.dispose()
        self.tracing.shutdown()

    async def kafka_ready(self) -> bool:
        return self.producer is not None and await self.producer.metadata_reachable()


async def get_runtime(request: Request) -> Runtime[Any]:
    """The running service's runtime (a FastAPI dependency: `RuntimeOf`)."""
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


# The service's runtime in an endpoint: `RuntimeOf[SalesSettings]` (each service names its own once, in its
# config.py, as `RuntimeDep`); `RuntimeDep` here, for servicekit's own routers, knows only the shared settings.
RuntimeOf = Annotated[Runtime[S], Depends(get_runtime)]
RuntimeDep = RuntimeOf[ServiceSettings]

"""Kafka client settings in one place, and the service's producer (used by the relay and the dead-letter path),
which replaces itself when it can no longer deliver."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts.envelope import HEADER_CORRELATION_ID, HEADER_EVENT_ID, HEADER_TYPE, HEADER_VERSION
from servicekit import _compat
from servicekit.observability import PRODUCER_RENEWED

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]


REQUEST_TIMEOUT_MS = 15000


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # Idempotence (acks=all, a producer id and sequence numbers) keeps retried batches from being written twice
    # or out of order within a partition.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=1,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
    )


class Producer:
    """An idempotent producer that is replaced by a new one whenever a delivery fails.

    aiokafka's idempotent producer can fall out of step with the broker for good: a batch that waited longer
    than request_timeout_ms for a partition leader (the broker restarting, say) is failed after it was given its
    sequence numbers, so the broker refuses every later batch of that producer on that partition
    (OUT_OF_ORDER_SEQUENCE_NUMBER); a fatal error in its sender task (a fenced epoch, any unexpected error) ends
    the task and every later send raises. Whoever kept using such a producer would retry for ever without
    sending anything, so a failed or timed-out delivery discards it, and the next one starts a new producer (a
    new producer id, sequences from zero). The failed messages are sent again by the caller: delivery stays at
    least once and consumers drop the duplicates by event id."""

    def __init__(self, bootstrap: str, client_id: str, *, delivery_timeout: float = 60.0) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._delivery_timeout = delivery_timeout
        self._current: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.renewals = 0

    async def start(self) -> None:
        await self._producer()

    async def stop(self) -> None:
        self._closed = True
        async with self._lock:
            current, self._current = self._current, None
        if current is not None:
            await current.stop()

    async def deliver(self, messages: Sequence[tuple[str, bytes | None, bytes | None, Headers]]) -> None:
        """Send (topic, value, key, headers) messages and return once the broker has every one of them; raises
        when any was not delivered within the delivery timeout, after discarding the producer."""
        if not messages:
            return
        producer = await self._producer()
        try:
            futures = await _enqueue(producer, messages)
            # asyncio.wait, not wait_for: the futures are aiokafka's and are not ours to cancel.
            done, pending = await asyncio.wait(futures, timeout=self._delivery_timeout)
            errors = [e for e in (f.exception() for f in done) if e is not None]  # each one retrieved
            if errors:
                raise errors[0]
            if pending:
                raise TimeoutError(f"{len(pending)} of {len(futures)} messages not delivered")
        except Exception as exc:
            await self._discard(producer, exc)
            raise

    async def send_and_wait(self, topic: str, *, value: bytes | None, key: bytes | None, headers: Headers) -> None:
        await self.deliver([(topic, value, key, headers)])

    async def metadata_reachable(self, timeout: float = 3.0) -> bool:
        """Readiness: can the broker's metadata be fetched (with a producer started if none runs)."""
        try:
            producer = await asyncio.wait_for(self._producer(), timeout=timeout)
            await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=timeout)
        except Exception:
            return False
        return True

    async def _producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._closed:
                raise RuntimeError(f"producer {self._client_id} is stopped")
            if self._current is None:
                producer = make_producer(self._bootstrap, self._client_id)
                try:
                    await producer.start()
                except BaseException:
                    with contextlib.suppress(Exception):
                        await producer.stop()
                    raise
                self._current = producer
            return self._current

    async def _discard(self, failed: AIOKafkaProducer, exc: BaseException) -> None:
        async with self._lock:
            if self._current is None or self._current is not failed:  # another caller already replaced it
                return
            self._current = None
            self.renewals += 1
            PRODUCER_RENEWED.labels(self._client_id).inc()
            log.warning("Kafka producer %s failed to deliver (%r); replacing it", self._client_id, exc)
            # Stopped before a new one starts, so the old one cannot deliver after the new one; bounded, as
            # stopping flushes and a stuck sender would never finish.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(failed.stop(), timeout=10)


async def _enqueue(
    producer: AIOKafkaProducer, messages: Sequence[tuple[str, bytes | None, bytes | None, Headers]]
) -> list[asyncio.Future[Any]]:
    """Queue `messages` for sending: one record batch per partition, filled in message order, rather than one
    `send()` each (a send makes a future and a delivery wrapper per message: ≈ 15 µs of CPU per message more,
    measured). Partitions are chosen by the producer's own partitioner, exactly as `send()` chooses them, so a key
    keeps its partition; batches of one partition are queued in order, so its messages keep theirs. Returns one
    future per batch. The metadata wait and the partition choice are aiokafka's own (`send()` calls the same two
    internals, through servicekit._compat; libs/servicekit/tests/test_producer.py checks the partitions against
    `send()`'s)."""
    futures: list[asyncio.Future[Any]] = []
    open_batches: dict[tuple[str, int], Any] = {}
    for topic in {m[0] for m in messages}:
        await _compat.wait_on_metadata(producer, topic)
    for topic, value, key, headers in messages:
        record = {"timestamp": None, "key": key, "value": value, "headers": list(headers)}
        tp = (topic, _compat.partition_of(producer, topic, key, value))
        batch = open_batches.pop(tp, None)
        if batch is not None and batch.append(**record) is None:  # full: queued as it is, a new one starts
            futures.append(await producer.send_batch(batch, topic, partition=tp[1]))
            batch = None
        if batch is None:
            batch = producer.create_batch()
            if batch.append(**record) is None:
                # Larger than a batch: send() sizes a batch for it (or refuses it, as it would any other way).
                futures.append(
                    await producer.send(topic, value=value, key=key, partition=tp[1], headers=record["headers"])
                )
                continue
        open_batches[tp] = batch
    for (topic, partition), batch in open_batches.items():
        batch.close()  # complete: sent at once, without lingering for more
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    return futures


def envelope_headers(envelope: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [
        ("content-type", b"application/json"),
        (HEADER_EVENT_ID, str(envelope["event_id"]).encode()),
        (HEADER_TYPE, str(envelope["type"]).encode()),
        (HEADER_VERSION, str(envelope["version"]).encode()),
        (HEADER_CORRELATION_ID, str(envelope["correlation_id"]).encode()),
    ]

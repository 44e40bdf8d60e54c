"""The outbox relay: publishes committed outbox rows to Kafka, then deletes them (the outbox holds only what is
still to be sent; Kafka keeps what was).

Why no "last published id" cursor: ids come from a sequence when a row is inserted, not when its transaction
commits, so a row with a smaller id can become visible after a larger one and a cursor would skip it. The relay
instead takes every visible row, oldest id first. Rows of one key
come from transactions that lock the same aggregate, so their ids follow their commit order.

Delivery is at least once: a relay killed after Kafka acknowledged a batch but before deleting it publishes the
batch again, and consumers drop the duplicates by event id (see inbox.py).

Under load, the rows of a published batch are deleted by the statement that reads the next batch (one round trip
per batch instead of two); when nothing more is waiting they are deleted at once, so a quiet outbox is empty.

One relay runs per service: it holds a session-level advisory lock; replicas without it wait as standbys and
take over when the holder's connection dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from servicekit.kafka import Producer, envelope_headers
from servicekit.observability import PUBLISHED, RELAY_LEADER
from servicekit.tracing import TRACEPARENT, Tracing

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"


class OutboxRelay:
    def __init__(
        self,
        *,
        dsn: str,
        bootstrap: str,
        service: str,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        producer: Producer | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self._dsn = dsn
        self._bootstrap = bootstrap
        self._service = service
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._producer = producer
        self._owns_producer = producer is None
        self._tracing = tracing if tracing is not None and tracing.enabled else None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.is_leader = False
        RELAY_LEADER.labels(service).set(0)
        self.published = 0
        self._sent: list[int] = []  # ids published, not yet deleted

    async def run(self) -> None:
        """Run until `stop()`; reconnects after database or broker failures (a producer that failed to deliver
        is replaced by the next delivery, see kafka.Producer)."""
        if self._producer is None:
            self._producer = Producer(self._bootstrap, f"{self._service}-relay")
        try:
            while not self._stopping.is_set():
                try:
                    await self._lead()
                except Exception as exc:  # database or broker trouble: never let the relay die
                    log.warning("outbox relay interrupted, retrying: %r", exc)
                    self.is_leader = False
                    await self._pause(1.0)
        finally:
            if self._owns_producer and self._producer is not None:
                await self._producer.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _lead(self) -> None:
        conn = await relay_connection(self._dsn)
        self._sent = []
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"outbox:{self._service}"):
                await self._pause(self._poll_seconds * 4)
                return
            self.is_leader = True
            RELAY_LEADER.labels(self._service).set(1)
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            while not self._stopping.is_set():
                # Cleared before reading, so a commit notified while a batch is in flight is not missed.
                self._wake.clear()
                if await self.publish_batch(conn) < self._batch_size:
                    if not self._wake.is_set():  # nothing more waiting: delete what was sent now, not later
                        await self.delete_sent(conn)
                    await self._pause(self._poll_seconds)
            await self.delete_sent(conn)  # stopping
        finally:
            self.is_leader = False
            RELAY_LEADER.labels(self._service).set(0)
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish the next batch; the statement that reads it deletes the previous batch's rows (sent)."""
        # The envelope is sent as stored (the JSON text its writer serialized), its headers from their columns:
        # no JSON round trip per message.
        rows = await conn.fetch(_NEXT_BATCH, self._batch_size, self._sent)
        self._sent = []
        if not rows:
            return 0
        assert self._producer is not None
        messages = [
            (
                row["topic"],
                row["body"].encode(),
                row["key"].encode(),
                envelope_headers(
                    {
                        "event_id": row["event_id"],
                        "type": row["message_type"],
                        "version": row["version"],
                        "correlation_id": row["correlation_id"],
                    }
                ),
            )
            for row in rows
        ]
        # Every message must be acknowledged before any row is deleted: a failure leaves the batch to be sent again.
        if self._tracing is None:
            await self._producer.deliver(messages)
        else:
            await self._deliver_traced(rows, messages)
        self._sent = [r["id"] for r in rows]
        self.published += len(rows)
        PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _deliver_traced(self, rows: list[asyncpg.Record], messages: list[Any]) -> None:
        """Each row published under a span continuing the trace it was written in (servicekit.tracing)."""
        assert self._tracing is not None and self._producer is not None
        spans = []
        for row, (_, _, _, headers) in zip(rows, messages, strict=True):
            span, header = self._tracing.publishing(row["topic"], row["traceparent"])
            spans.append(span)
            if header is not None:
                headers.append((TRACEPARENT, header))
        try:
            await self._producer.deliver(messages)
        except BaseException as exc:
            self._tracing.published(spans, exc)
            raise
        self._tracing.published(spans)

    async def delete_sent(self, conn: asyncpg.Connection) -> None:
        if self._sent:
            await conn.execute(_DELETE, self._sent)
            self._sent = []

    def wake(self) -> None:
        """Look for rows now (a transaction of this process committed some; see outbox.py)."""
        self._wake.set()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)


async def relay_connection(dsn: str) -> asyncpg.Connection:
    """The relay's connection. Its statements are planned at each execution (`force_custom_plan`), not given the
    generic plan PostgreSQL keeps for a prepared statement after a few runs: that plan is made once, maybe while
    the outbox was small or its statistics stale, and deletes by a sequential scan. Between two vacuums a busy
    outbox is mostly dead rows (every row is deleted soon after it is written): that scan grew to 1.4 ms per batch
    under load. Planned per call, the delete finds its rows through the primary key."""
    return await asyncpg.connect(dsn, server_settings={"plan_cache_mode": "force_custom_plan"})


# The next batch, oldest first, and the delete of the batch sent before ($2): a row deleted by this statement is
# still visible to its read, hence the filter.
_NEXT_BATCH = (
    "WITH sent AS (DELETE FROM outbox WHERE id = ANY($2::bigint[])) "
    "SELECT id, topic, key, envelope AS body, event_id::text AS event_id, message_type, version, correlation_id,"
    " traceparent "
    "FROM outbox WHERE id <> ALL($2::bigint[]) ORDER BY id LIMIT $1"
)
_DELETE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"


async def main() -> None:
    """Run the relay alone (`python -m servicekit.relay`), e.g. as a sidecar or in fault-injection tests."""
    import os

    logging.basicConfig(level=logging.INFO)
    relay = OutboxRelay(
        dsn=os.environ["RELAY_DSN"],
        bootstrap=os.environ["RELAY_KAFKA_BOOTSTRAP"],
        service=os.environ["RELAY_SERVICE"],
        batch_size=int(os.environ.get("RELAY_BATCH_SIZE", "500")),
    )
    await relay.run()


if __name__ == "__main__":
    asyncio.run(main())

"""The idempotent consumer: validate the contract, run the handlers of a fetched batch in one transaction with
their inbox records (record by record, each in its own transaction, when that fails), and dead-letter what
cannot be processed.

Offsets: subscribers commit nothing themselves (FastStream's `AckPolicy.MANUAL`, auto-commit off). Once
`process_batch` returned, i.e. every record's transaction has committed (or the record was dead-lettered and
the broker has acknowledged the dead letter), the batch's offsets are handed to `offsets.OffsetCommitter`,
which commits them in the background. A crash before that commit redelivers the records; the inbox makes the
replays no-ops. A transient failure (database or broker unreachable) raises, the batch's partitions are sought
back, and the batch is tried again; it is never dead-lettered for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ContractError, Envelope, Message, parse_payload, parse_typed, topic_of
from contracts.envelope import HEADER_TYPE, HEADER_VERSION, DeadLetterReason
from servicekit import audit, fastsql, inbox, observability
from servicekit.clock import Clock
from servicekit.db import Database, KitTables, causes, is_disconnect
from servicekit.deadletter import DeadLetters
from servicekit.outbox import Outbox
from servicekit.tracing import OFF, Tracing
from servicekit.unit import Batch

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Outcome = Literal["processed", "duplicate", "ignored", "dead_lettered"]

# SQLSTATE classes a retry can fix besides a lost connection (db.is_disconnect): serialization failures,
# deadlocks, insufficient resources.
_TRANSIENT_SQLSTATES = ("40001", "40P01", "53")


# A group holds its row locks longer than one message would: rather than queue behind (or deadlock with) another
# transaction, it gives up after this long and its messages are handled one by one.
GROUP_LOCK_TIMEOUT = "100ms"


class TransientError(Exception):
    """Processing must be retried later; the batch's offsets are not committed."""


class NotReady(Exception):  # noqa: N818 - reads as a state: the message is not ready to be handled
    """Raised by a handler when something the message depends on has not arrived yet (a shipment before the
    order it ships, from another topic). The message is retried, its batch refetched so the prerequisite can
    be processed meanwhile; only when it stays unready past `not_ready_seconds` is it dead-lettered."""


@dataclass
class HandlerContext:
    """What a message handler gets: its transaction, the incoming envelope, and a way to emit messages."""

    session: AsyncSession
    envelope: Envelope
    outbox: Outbox
    clock: Clock

    async def publish(self, message: Message) -> Envelope:
        """Emit `message` through the outbox, in this transaction, as caused by the incoming one."""
        return await self.outbox.add(
            self.session,
            message,
            correlation_id=self.envelope.correlation_id,
            causation_id=str(self.envelope.event_id),
        )


Handler = Callable[[HandlerContext, Any], Awaitable[None]]
BeforeGroup = Callable[[AsyncSession, list[Message]], Awaitable[None]]
Inert = Callable[[AsyncSession, Any], Awaitable[bool]]


class MessageHandlers(Generic[M]):
    """The handlers of one service, by message type. Topics to subscribe to follow from the registry."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._topics: set[str] = set()
        self.before_group: BeforeGroup | None = None
        self.read_ahead_key: Callable[[Any], Any] | None = None
        self.inert: Inert | None = None

    def on(self, model: type[M]) -> Callable[[Callable[[HandlerContext, M], Awaitable[None]]], Handler]:
        def register(fn: Callable[[HandlerContext, M], Awaitable[None]]) -> Handler:
            if model.message_type in self._by_type:
                raise ValueError(f"two handlers for {model.message_type}")
            self._by_type[model.message_type] = fn
            self._topics.add(topic_of(model).name)
            return fn

        return register

    def get(self, message_type: str) -> Handler | None:
        return self._by_type.get(message_type)

    def prepare_groups(self, fn: BeforeGroup, *, key: Callable[[Any], Any] | None = None) -> BeforeGroup:
        """Run `fn(session, messages)` in a batch's transaction before its handlers, with the messages they are
        about to handle (duplicates left out): a chance to read, and lock, what they need in one statement
        instead of one per message. Not run when messages are handled one by one. With `key` (what a message is
        about: its order, its customer), what `fn` read ahead per key is handed to the handler of the first
        message about that key and to no later one (`servicekit.unit.Batch`)."""
        self.before_group = fn
        self.read_ahead_key = key
        return fn

    def pass_over(self, fn: Inert) -> Inert:
        """Pass over, unclaimed, the messages that `fn(session, message)` says their handler would change nothing
        for (no row written, nothing published; e.g. a status change no rule of the notifier looks at): handling
        such a message again changes nothing either, so it needs no inbox row and no handler run. Asked in the
        message's transaction, before its claim; the outcome is "ignored"."""
        self.inert = fn
        return fn

    @property
    def topics(self) -> list[str]:
        return sorted(self._topics)


def is_transient(exc: BaseException) -> bool:
    """Can a retry fix it: the database connection lost, a timeout, a serialization failure or deadlock."""
    if is_disconnect(exc):
        return True
    for e in causes(exc):
        if isinstance(e, asyncio.TimeoutError):
            return True
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return True
    return False


@dataclass(frozen=True)
class _Prepared:
    """A record whose envelope and payload are valid and that this consumer handles."""

    record: ConsumerRecord[Any, Any]
    envelope: Envelope
    message: Message
    handler: Handler


class MessageProcessor:
    def __init__(
        self,
        *,
        consumer: str,
        handlers: MessageHandlers[Any],
        db: Database,
        tables: KitTables,
        outbox: Outbox,
        clock: Clock,
        dead_letters: DeadLetters,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        not_ready_seconds: float = 600.0,
        tracing: Tracing | None = None,
    ) -> None:
        self.consumer = consumer
        self._handlers = handlers
        self._db = db
        self._tables = tables
        self._outbox = outbox
        self._clock = clock
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._not_ready_seconds = not_ready_seconds
        # Off (the default), the hot path tests this one attribute and enters a shared no-op context.
        self._tracing = tracing if tracing is not None and tracing.enabled else None

    async def process_batch(self, records: Sequence[ConsumerRecord[Any, Any]]) -> list[Outcome]:
        """Process a fetched batch. Its valid records are first handled together, in record order, in ONE
        transaction (one inbox insert, one outbox insert and one commit for the whole batch). If anything in it
        fails, it is rolled back and the batch is handled as before grouping: partitions in parallel, each
        partition's records in order, each record in its own transaction with its own retries and
        dead-lettering."""
        if self._tracing is None:
            return await self._process_batch(records)
        with self._tracing.batch(self.consumer, records):
            return await self._process_batch(records)

    async def _process_batch(self, records: Sequence[ConsumerRecord[Any, Any]]) -> list[Outcome]:
        started = time.perf_counter()
        outcomes: list[Outcome | None] = []
        ready: list[tuple[int, _Prepared]] = []
        for record in records:
            prepared = await self._prepare(record)
            if isinstance(prepared, _Prepared):
                ready.append((len(outcomes), prepared))
                outcomes.append(None)
            else:
                outcomes.append(prepared)
        grouped = await self._run_group([p for _, p in ready]) if len(ready) > 1 else None
        if grouped is not None:
            for (index, _), outcome in zip(ready, grouped, strict=True):
                outcomes[index] = outcome
        elif ready:
            by_partition: dict[tuple[str, int], list[tuple[int, _Prepared]]] = defaultdict(list)
            for index, prepared in ready:
                by_partition[(prepared.record.topic, prepared.record.partition)].append((index, prepared))
            results = await asyncio.gather(*(self._run_in_order(items) for items in by_partition.values()))
            for partition in results:
                for index, outcome in partition:
                    outcomes[index] = outcome
        self._observe(records, outcomes, time.perf_counter() - started)
        return [o for o in outcomes if o is not None]

    def _observe(self, records: Sequence[ConsumerRecord[Any, Any]], outcomes: list[Any], seconds: float) -> None:
        """Metrics per batch, not per record: most records of a shared topic are ignored, and a labelled
        metric update costs microseconds."""
        counts: Counter[tuple[str, str]] = Counter(zip((r.topic for r in records), outcomes, strict=True))
        handled: Counter[str] = Counter()
        for (topic, outcome), n in counts.items():
            observability.MESSAGES.labels(self.consumer, topic, outcome).inc(n)
            if outcome != "ignored":  # the time per message is that of the messages handled
                handled[topic] += n
        elapsed = seconds / max(len(records), 1)
        for topic, n in handled.items():
            histogram = observability.HANDLE_SECONDS.labels(self.consumer, topic)
            for _ in range(n):
                histogram.observe(elapsed)

    async def _run_in_order(self, items: list[tuple[int, _Prepared]]) -> list[tuple[int, Outcome]]:
        return [(index, await self._run_one(prepared)) for index, prepared in items]

    async def process(self, record: ConsumerRecord[Any, Any]) -> Outcome:
        """Process one record on its own (its own transaction)."""
        return (await self.process_batch([record]))[0]

    async def _prepare(self, record: ConsumerRecord[Any, Any]) -> _Prepared | Outcome:
        handler: Handler | None = None
        message_type = version = None
        for name, value in record.headers or ():
            if name == HEADER_TYPE:
                message_type = value.decode(errors="replace")
                # A type this consumer does not handle is passed over without parsing its body (most of what a
                # shared topic carries concerns other consumers).
                handler = self._handlers.get(message_type)
                if handler is None:
                    return "ignored"
            elif name == HEADER_VERSION:
                version = value
        if handler is not None and message_type is not None and version is not None and version.isdigit():
            # Type and version known from the headers: envelope and payload validated in one pass. Anything not
            # as the headers say, or invalid, is read again below, where the errors are told apart.
            parsed = parse_typed(record.value or b"", message_type, int(version))
            if parsed is not None:
                envelope, message = parsed
                return _Prepared(record, envelope, message, handler)
        try:
            envelope = Envelope.model_validate_json(record.value or b"")
        except ValidationError as exc:
            return await self._dead_letter(record, DeadLetterReason.INVALID_ENVELOPE, _short(exc))
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        try:
            message = parse_payload(envelope)
        except ContractError as exc:
            return await self._dead_letter(record, DeadLetterReason.CONTRACT_VIOLATION, str(exc))
        return _Prepared(record, envelope, message, handler)

    async def _run_group(self, items: list[_Prepared]) -> list[Outcome] | None:
        """All items in one transaction; None when anything failed (then nothing of it was committed)."""
        outcomes: list[Outcome] = []
        try:
            async with self._db.transaction() as session:
                inert = self._handlers.inert
                passed = {id(i) for i in items if inert is not None and await inert(session, i.message)}
                to_claim = [(i.envelope.event_id, i.envelope.type) for i in items if id(i) not in passed]
                claimed = (
                    await inbox.claim_many(
                        session, self._tables, self.consumer, to_claim, lock_timeout=GROUP_LOCK_TIMEOUT
                    )
                    if to_claim
                    else set()
                )
                Outbox.defer(session)
                if self._handlers.before_group is not None:
                    pending, fresh = set(claimed), []
                    for i in items:  # what the handlers below will handle: each claimed message once
                        if i.envelope.event_id in pending:
                            pending.discard(i.envelope.event_id)
                            fresh.append(i.message)
                    if fresh:
                        await self._handlers.before_group(session, fresh)
                batch = Batch.of(session)
                # Writes the handlers defer are sent together, before whatever reads after them (fastsql).
                async with fastsql.deferring(session):
                    for item in items:
                        e = item.envelope
                        if id(item) in passed:
                            outcomes.append("ignored")
                            continue
                        if e.event_id not in claimed:
                            outcomes.append("duplicate")
                            continue
                        claimed.discard(e.event_id)  # the same message twice in one batch: the second is a duplicate
                        if self._handlers.read_ahead_key is not None:
                            batch.hand_over(self._handlers.read_ahead_key(item.message))
                        with observability.correlation(e.correlation_id), self._span(item.record, e):
                            audit.caused_by(session, e.type, e.event_id)
                            await item.handler(HandlerContext(session, e, self._outbox, self._clock), item.message)
                        outcomes.append("processed")
                await self._outbox.flush(session)
        except Exception as exc:  # one by one instead, each with its own retries
            log.debug("grouped transaction of %d messages failed (%r); handling them one by one", len(items), exc)
            observability.GROUP_FALLBACKS.labels(self.consumer).inc()
            return None
        return outcomes

    async def _run_one(self, item: _Prepared) -> Outcome:
        with observability.correlation(item.envelope.correlation_id), self._span(item.record, item.envelope):
            return await self._run_handler(item.record, item.envelope, item.message, item.handler)

    async def _run_handler(
        self, record: ConsumerRecord[Any, Any], envelope: Envelope, message: Message, handler: Handler
    ) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._db.transaction() as session:
                    inert = self._handlers.inert
                    if inert is not None and await inert(session, message):
                        return "ignored"
                    if not await inbox.claim(session, self._tables, self.consumer, envelope.event_id, envelope.type):
                        return "duplicate"
                    Outbox.defer(session)
                    audit.caused_by(session, envelope.type, envelope.event_id)
                    await handler(HandlerContext(session, envelope, self._outbox, self._clock), message)
                    await self._outbox.flush(session)
                return "processed"
            except NotReady as exc:
                age = (datetime.now(UTC) - envelope.occurred_at).total_seconds()
                if age > self._not_ready_seconds:
                    return await self._dead_letter(record, DeadLetterReason.PREREQUISITE_MISSING, str(exc))
                if attempt < 5:
                    await asyncio.sleep(self._retry_delay * attempt)
                    continue
                # Refetch the batch: the prerequisite may sit on another partition not fetched yet.
                raise TransientError(f"not ready: {exc}") from exc
            except Exception as exc:
                if is_transient(exc):
                    if attempt < 50:
                        await asyncio.sleep(min(self._retry_delay * attempt, 2.0))
                        continue
                    raise TransientError(str(exc)) from exc
                if attempt >= self._max_attempts:
                    log.exception("handler for %s failed %d times; dead-lettering", envelope.type, attempt)
                    return await self._dead_letter(
                        record, DeadLetterReason.HANDLER_ERROR, f"{type(exc).__name__}: {exc}"
                    )
                await asyncio.sleep(self._retry_delay * attempt)

    def _span(self, record: ConsumerRecord[Any, Any], envelope: Envelope) -> contextlib.AbstractContextManager[Any]:
        if self._tracing is None:
            return OFF
        return self._tracing.handling(self.consumer, record, envelope.type, envelope.correlation_id)

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], reason: DeadLetterReason, error: str) -> Outcome:
        log.warning("dead-lettering %s[%d]@%d: %s: %s", record.topic, record.partition, record.offset, reason, error)
        await self._dead_letters.send(record, reason, error)
        observability.DEAD_LETTERS.labels(self.consumer, record.topic, reason).inc()
        return "dead_lettered"


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())[:2000]

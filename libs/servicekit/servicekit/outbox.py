"""Transactional outbox: a message is stored in the same database transaction as the state change that
causes it. `OutboxRelay` (in relay.py) later publishes it to Kafka.

A transaction may defer its outbox rows (`defer`): they are collected and written in one multi-row insert by
`flush` just before it commits (the consumer does this for a whole batch of messages), in publishing order.

Waking the relay: when this process runs the service's active relay (`relay`, its leader), a transaction that
wrote outbox rows wakes it in-process once it has committed. Otherwise (a replica whose relay is a standby, or a
process without one) the transaction sends a NOTIFY, which PostgreSQL delivers on commit to the relay listening
elsewhere. Not a NOTIFY every time: at commit, NOTIFY takes a lock shared by every database of the server and
holds it through the commit's WAL flush, so every transaction that notifies, in all five services, commits one
after another. Either way the relay also polls, so a wake-up lost (a leader that changed in between) costs
at most its poll interval.

Tracing (servicekit.tracing): while it is on, each row stores the W3C traceparent of the span that wrote it, so
the relay publishes it as part of the same trace; while it is off the column stays NULL and nothing is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from contracts import Envelope, Message, topic_of
from servicekit.db import KitTables
from servicekit.fastsql import Statement
from servicekit.tracing import Tracing

if TYPE_CHECKING:
    from servicekit.relay import OutboxRelay


class Outbox:
    """Writes messages of one producer (the service) into its outbox table."""

    def __init__(self, tables: KitTables, producer: str) -> None:
        assert tables.outbox.name == "outbox"  # the statements below name it
        self.producer = producer
        self.relay: OutboxRelay | None = None  # this process's relay, when it runs one
        self.traced = False  # store the current trace context with each row (servicekit.tracing)

    async def add(
        self,
        session: AsyncSession,
        message: Message,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        envelope = Envelope.wrap(
            message, producer=self.producer, correlation_id=correlation_id, causation_id=causation_id
        )
        await self.write(session, [(message, envelope)])
        return envelope

    async def write(self, session: AsyncSession, items: Sequence[tuple[Message, Envelope]]) -> None:
        """Store wrapped messages now, or with the transaction's deferred rows when it defers them."""
        if not items:
            return
        pending: list[dict[str, Any]] | None = session.info.get(_PENDING)
        traceparent = Tracing.current_traceparent() if self.traced else None
        rows = [_row(message, envelope, traceparent) for message, envelope in items]
        if pending is not None:
            pending.extend(rows)
        else:
            await self._insert(session, rows)

    @staticmethod
    def defer(session: AsyncSession) -> None:
        """Collect this transaction's outbox rows until `flush` (call it before the transaction commits)."""
        session.info[_PENDING] = []

    async def flush(self, session: AsyncSession) -> None:
        pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
        if pending:
            await self._insert(session, pending)

    def member_params(self, items: Sequence[tuple[Message, Envelope]]) -> dict[str, list[Any]]:
        """The parameters of `insert_member` for these messages."""
        traceparent = Tracing.current_traceparent() if self.traced else None
        rows = [_row(message, envelope, traceparent) for message, envelope in items]
        return {f"{_MEMBER}{column}": [row[column] for row in rows] for column in _COLUMNS}

    async def _insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await _INSERT.execute(session, **{column: [row[column] for row in rows] for column in _COLUMNS})
        await self.written(session)

    async def written(self, session: AsyncSession) -> None:
        """This session's transaction wrote outbox rows (itself, or by a statement with an `insert_member`):
        wake the relay once it has committed."""
        if _WAKE in session.info:
            return  # this transaction already arranged the wake-up
        relay = self.relay
        if relay is not None and relay.is_leader:
            session.info[_WAKE] = relay.wake
        else:
            await _NOTIFY.execute(session)
            session.info[_WAKE] = None


_PENDING = "outbox_pending"
_WAKE = "outbox_wake"  # what wakes the relay once the transaction commits (None: the NOTIFY it sent)
_NOTIFY = Statement(text("SELECT pg_notify('outbox', '')"))


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    wake = session.info.pop(_WAKE, None)
    if wake is not None:
        wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_WAKE, None)


# The envelope goes in as the JSON text pydantic serialized, and is sent as stored (see kit_tables).
# All of a transaction's rows in one statement (arrays, one bind): cheaper than executemany's row-by-row binds.
_HEAD = (
    "INSERT INTO outbox (event_id, topic, key, message_type, version, correlation_id, envelope, traceparent) "
    "SELECT r.e, r.t, r.k, r.m, r.v, r.c, r.j, r.p FROM "
)


def _unnest(prefix: str) -> str:
    return (
        f"unnest(CAST(:{prefix}event_id AS uuid[]), CAST(:{prefix}topic AS varchar[]), CAST(:{prefix}key AS varchar[]),"
        f" CAST(:{prefix}message_type AS varchar[]), CAST(:{prefix}version AS int[]),"
        f" CAST(:{prefix}correlation_id AS varchar[]), CAST(:{prefix}envelope AS text[]),"
        f" CAST(:{prefix}traceparent AS varchar[]))"
        " WITH ORDINALITY AS r(e, t, k, m, v, c, j, p, n) ORDER BY r.n"
    )


_INSERT = Statement(text(_HEAD + _unnest("")))
_MEMBER = "ob_"


def insert_member(after: str) -> str:
    """The outbox insert as a member of a statement that makes a change and writes its messages in one (a CTE:
    `..., ob AS (<this>)`), for the rows `Outbox.member_params` gives; inserted only when the CTE `after` of that
    statement returned a row (one). Call `Outbox.written` after such a statement."""
    return _HEAD + f"{after}, " + _unnest(_MEMBER)


_COLUMNS = ("event_id", "topic", "key", "message_type", "version", "correlation_id", "envelope", "traceparent")


def _row(message: Message, envelope: Envelope, traceparent: str | None) -> dict[str, Any]:
    return {
        "event_id": envelope.event_id,
        "topic": topic_of(message).name,
        "key": envelope.key,
        "message_type": envelope.type,
        "version": envelope.version,
        "correlation_id": envelope.correlation_id,
        "envelope": envelope.model_dump_json(),
        "traceparent": traceparent,
    }

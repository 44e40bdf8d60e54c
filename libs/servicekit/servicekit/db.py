"""Database access: the engine, one-transaction units of work, and the tables every service carries
(outbox, inbox, audit log, idempotency keys, document sequences)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# Column conventions of the platform: money 2 places, quantities 3, UTC timestamps.
def money(name: str, **kw: Any) -> Column[Any]:
    return Column(name, Numeric(18, 2), nullable=False, server_default="0", **kw)


def qty(name: str) -> Column[Any]:
    return Column(name, Numeric(18, 3), nullable=False, server_default="0")


def ts(name: str, nullable: bool = False) -> Column[Any]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


@dataclass(frozen=True)
class KitTables:
    outbox: Table
    inbox: Table
    audit_log: Table
    idempotency_keys: Table
    document_sequences: Table


def kit_tables(metadata: MetaData) -> KitTables:
    """Declare the shared tables on a service's metadata (migrations create them with `create_kit_schema`)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        # A row lives for milliseconds (the relay deletes what it published): no index but the key, and the
        # envelope as the JSON text that goes to Kafka (no jsonb conversion in, no rendering out), the headers
        # that come from it in columns of their own.
        Column("event_id", UUID(as_uuid=True), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("message_type", String(200), nullable=False),
        Column("version", Integer, nullable=False),
        Column("correlation_id", String(200), nullable=False),
        Column("envelope", Text, nullable=False),
        # The W3C trace context of the span that wrote the row (servicekit.tracing); NULL while tracing is off.
        Column("traceparent", String(55)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("message_id", UUID(as_uuid=True), nullable=False),
        Column("message_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "message_id", name="pk_inbox"),
    )
    audit_log = Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(200), nullable=False),
        Column("entity", String(100), nullable=False),
        Column("entity_id", String(200), nullable=False),
        Column("action", String(100), nullable=False),
        Column("before", JSONB),
        Column("after", JSONB),
        Column("correlation_id", String(200)),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("key", String(200), nullable=False),
        Column("principal", String(200), nullable=False),
        Column("endpoint", String(300), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("key", "principal", "endpoint", name="pk_idempotency_keys"),
    )
    document_sequences = Table(
        "document_sequences",
        metadata,
        Column("prefix", String(20), nullable=False),
        Column("year", Integer, nullable=False),
        Column("last_value", BigInteger, nullable=False),
        PrimaryKeyConstraint("prefix", "year", name="pk_document_sequences"),
    )
    return KitTables(outbox, inbox, audit_log, idempotency_keys, document_sequences)


# SQLSTATE classes of a lost connection: connection exceptions, the server shutting down or not yet accepting.
DISCONNECT_SQLSTATES = ("08", "57P")


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps: SQLAlchemy's `orig`, then `__cause__` / `__context__`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)


def is_disconnect(exc: BaseException) -> bool:
    """Did the database connection die (a server restart, a terminated backend, a broken socket)? Looks through
    the wrappers: SQLAlchemy's asyncpg adapter raises its own `InterfaceError` caused by asyncpg's. asyncpg's
    `InternalClientError` counts: its protocol is out of step with the server, as when the server's farewell
    (57P01, a terminated backend) arrived just before the next statement ("cannot switch to state 15; another
    operation (2) is in progress"); the connection is unusable either way."""
    for e in causes(exc):
        if isinstance(
            e,
            OSError
            | ConnectionError
            | asyncpg.InterfaceError
            | asyncpg.PostgresConnectionError
            | asyncpg.InternalClientError,
        ):
            return True
        if getattr(e, "connection_invalidated", False):
            return True
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(DISCONNECT_SQLSTATES):
            return True
    return False


class Database:
    """An engine and its session factory. Every use case runs in one `transaction()`."""

    def __init__(self, url: str, *, pool_size: int = 20, echo: bool = False) -> None:
        # No pre-ping: it costs a round trip per transaction. A connection found dead (a database restart) fails
        # its transaction as transient (retried) and is invalidated, not returned to the pool: SQLAlchemy does
        # that for its own statements, fastsql for its (see fastsql.connection_lost).
        # Connections are kept (no overflow): an overflow connection is opened and closed per use, which under a
        # burst costs more CPU than waiting for a pooled one.
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=0, pool_timeout=60, pool_pre_ping=False, echo=echo
        )
        # Document numbers come from sequences (see numbering.py), on a small autocommit pool of their own so that
        # they never wait for a connection held by the transaction that needs the number.
        self.allocator: AsyncEngine = create_async_engine(
            url, pool_size=4, max_overflow=0, pool_timeout=60, isolation_level="AUTOCOMMIT"
        )
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=False, info={"allocator": self.allocator}
        )
        # The same pool; a connection taken by one of these sessions runs without a transaction block.
        self._autocommit_sessions = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
            info={"allocator": self.allocator},
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A session whose every statement commits on its own: no BEGIN, no COMMIT. For a change made by ONE
        statement, atomic by itself (and the reads before it), that is two round trips fewer than a transaction;
        it is NOT for a change that takes two statements. The session's commit at the end is only the signal
        its after-commit hooks wait for (the outbox's wake-up of the relay)."""
        async with self._autocommit_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.allocator.dispose()

"""Hot-path statements without SQLAlchemy's per-execution work, in the caller's SQLAlchemy transaction.

A `Statement` wraps a statement built once (a SQLAlchemy Core construct or `text()`, its values as bind
parameters), compiles it once for asyncpg, and runs it on the session's own asyncpg connection, inside the
transaction the session has begun: no result objects, no greenlet hop, no per-call compile-cache lookup. It
costs about half of `session.execute` in CPU, which matters on paths that run for every order and message.

Rows come back as asyncpg records (or dicts when a column needs converting, such as JSON), read by column name.
Errors are asyncpg's own (`asyncpg.UniqueViolationError`, ...); the transaction is rolled back by its owner as
usual. A connection found dead is invalidated, as SQLAlchemy does for its own statements: returned to the pool,
it would fail every transaction that took it, since the pool cannot see that it died. Statements whose
parameters expand at execution time (`IN` lists) are refused: use `= ANY(:array)`.

Writes whose result nobody reads may be deferred (`Statement.defer`) while the session is `deferring` (a
consumer batch's handlers): they are queued and sent before the session's next statement (through this module
or SQLAlchemy's `session.execute`), and at the end of the block, consecutive writes of one statement as ONE
pipelined `executemany` (one round trip, one wake-up of the server, however many rows). What runs later in the
transaction sees them, as if they had run at once; a failing one fails the statement that sent it, or the
block's end.

A `Bulk` is a deferred write of many rows as ONE statement (`unnest` of one array per column): its rows, added
by the handlers of a batch, are merged per key (the later row wins, or the Bulk's `merge`) and sent at the
place in the queue of the first row added since the queue was last sent. So a row added later runs before
statements deferred in between: for idempotent upserts that no deferred write between them depends on.
Outside `deferring` a row is written at once."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Table, bindparam, event, text
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import await_only

from servicekit import _compat
from servicekit.db import is_disconnect

_RAW = "fastsql_connection"
_DEFERRED = "fastsql_deferred"  # [(statement, args)] while the session is `deferring`
_PENDING = "fastsql_bulk_rows"  # {Bulk: its _Rows still in the queue}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    binds: tuple[Callable[[Any], Any] | None, ...]
    results: dict[str, Callable[[Any], Any]]


class Statement:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: _Compiled | None = None

    def _compile(self, dialect: Dialect) -> _Compiled:
        c: Any = self.statement.compile(dialect=dialect)
        if _compat.needs_postcompile(c) or any(getattr(b, "expanding", False) for b in c.binds.values()):
            raise ValueError("fastsql: expanding parameters (IN lists) are not supported; use = ANY(:array)")
        names = tuple(c.positiontup or ())
        processors = _compat.bind_processors(c)
        results: dict[str, Callable[[Any], Any]] = {}
        for column in _compat.result_columns(c):
            try:
                process = _compat.result_processor(column[3], dialect)
            except Exception:  # a type that wants the column's oid (numeric): asyncpg's values need no conversion
                process = None
            if process is not None:
                results[column[0]] = process
        defaults = {k: v for k, v in c.construct_params(_check=False).items() if v is not None}
        return _Compiled(c.string, names, defaults, tuple(processors.get(n) for n in names), results)

    def _args(self, compiled: _Compiled, params: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            value = params[name] if name in params else compiled.defaults.get(name)
            args.append(process(value) if process is not None and value is not None else value)
        return args

    async def _prepare(self, session: AsyncSession) -> tuple[asyncpg.Connection, _Compiled]:
        if session.info.get(_DEFERRED):
            await flush(session)
        conn = await connection(session)
        if self._compiled is None:
            self._compiled = self._compile(session.get_bind().dialect)
        return conn, self._compiled

    def _rows(self, compiled: _Compiled, records: list[asyncpg.Record]) -> list[Any]:
        if not compiled.results or not records:
            return records
        out = []
        for record in records:
            row = dict(record.items())
            for key, process in compiled.results.items():
                if key in row and row[key] is not None:
                    row[key] = process(row[key])
            out.append(row)
        return out

    async def fetch(self, session: AsyncSession, **params: Any) -> list[Any]:
        try:
            conn, compiled = await self._prepare(session)
            return self._rows(compiled, await conn.fetch(compiled.sql, *self._args(compiled, params)))
        except Exception as exc:
            await connection_lost(session, exc)
            raise

    async def fetchrow(self, session: AsyncSession, **params: Any) -> Any:
        rows = await self.fetch(session, **params)
        return rows[0] if rows else None

    async def fetchval(self, session: AsyncSession, **params: Any) -> Any:
        row = await self.fetchrow(session, **params)
        return None if row is None else (row[0] if isinstance(row, asyncpg.Record) else next(iter(row.values())))

    async def execute(self, session: AsyncSession, **params: Any) -> str:
        """Run it; returns the status (`UPDATE 3`)."""
        try:
            conn, compiled = await self._prepare(session)
            return str(await conn.execute(compiled.sql, *self._args(compiled, params)))
        except Exception as exc:
            await connection_lost(session, exc)
            raise

    async def defer(self, session: AsyncSession, **params: Any) -> None:
        """Run it (a write whose result nobody reads) with the session's next statement when the session is
        `deferring`, else now."""
        queue: list[tuple[Statement, list[Any]]] | None = session.info.get(_DEFERRED)
        if queue is None:
            await self.execute(session, **params)
            return
        if self._compiled is None:
            self._compiled = self._compile(session.get_bind().dialect)
        queue.append((self, self._args(self._compiled, params)))

    async def executemany(self, session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> None:
        try:
            conn, compiled = await self._prepare(session)
            args = [self._args(compiled, row) for row in rows]
            if args:
                await conn.executemany(compiled.sql, args)
        except Exception as exc:
            await connection_lost(session, exc)
            raise


class _Rows:
    """A Bulk's rows waiting in the queue, by key."""

    def __init__(self) -> None:
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.sent = False


class Bulk:
    """`sql` reads each column as an array parameter of the column's name, e.g.
    `INSERT INTO t (k, v) SELECT * FROM unnest(CAST(:k AS varchar[]), CAST(:v AS numeric[])) ON CONFLICT ...`;
    `key` names the columns that identify a row (two rows of one key in one statement would make ON CONFLICT
    fail), `merge(old, new)` the row a second one of the same key leaves (default: the new one)."""

    def __init__(
        self,
        sql: str,
        columns: Iterable[str],
        key: Iterable[str],
        merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.statement = Statement(text(sql))
        self.columns = tuple(columns)
        self.key = tuple(key)
        self.merge = merge

    def _arrays(self, rows: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
        arrays: dict[str, list[Any]] = {c: [] for c in self.columns}
        for row in rows:
            for c in self.columns:
                arrays[c].append(row[c])
        return arrays

    async def _send(self, conn: asyncpg.Connection, rows: _Rows) -> None:
        """The rows in key order: two transactions writing rows of one table lock them in the same order."""
        compiled = self.statement._compiled
        assert compiled is not None  # compiled when the first row was added
        ordered = [rows.rows[k] for k in sorted(rows.rows)]
        await conn.execute(compiled.sql, *self.statement._args(compiled, self._arrays(ordered)))

    async def add(self, session: AsyncSession, **row: Any) -> None:
        queue: list[tuple[Any, Any]] | None = session.info.get(_DEFERRED)
        if queue is None:
            await self.statement.execute(session, **self._arrays([row]))
            return
        pending: dict[Bulk, _Rows] = session.info.setdefault(_PENDING, {})
        rows = pending.get(self)
        if rows is None or rows.sent:
            if self.statement._compiled is None:
                self.statement._compiled = self.statement._compile(session.get_bind().dialect)
            rows = pending[self] = _Rows()
            queue.append((self, rows))
        key = tuple(row[k] for k in self.key)
        old = rows.rows.get(key)
        rows.rows[key] = row if old is None or self.merge is None else self.merge(old, row)


@contextlib.asynccontextmanager
async def deferring(session: AsyncSession) -> AsyncIterator[None]:
    """Within the block, `Statement.defer` queues its writes (see the module's docstring); the queue is sent at
    the end. On an error nothing more is sent: the caller rolls the transaction back."""
    session.info[_DEFERRED] = []
    try:
        yield
        await flush(session)
    finally:
        session.info.pop(_DEFERRED, None)
        session.info.pop(_PENDING, None)


async def flush(session: AsyncSession) -> None:
    """Send the session's deferred writes now, in order."""
    if session.info.get(_DEFERRED):
        try:
            await _send(await connection(session), session.info[_DEFERRED])
        except Exception as exc:
            await connection_lost(session, exc)
            raise


@event.listens_for(Session, "do_orm_execute")
def _flush_before_orm_statement(state: ORMExecuteState) -> None:
    """A statement through SQLAlchemy's session runs after the writes deferred before it (`await_only`: this
    hook runs in the greenlet of the session's call, as the asyncpg dialect's own awaits do)."""
    queue = state.session.info.get(_DEFERRED)
    if queue:
        adapted: Any = state.session.connection().connection.dbapi_connection
        await_only(_send_on(adapted, queue))


async def _send_on(adapted: Any, queue: list[tuple[Any, Any]]) -> None:
    await _send(await _begun(adapted), queue)


async def _send(conn: asyncpg.Connection, queue: list[tuple[Any, Any]]) -> None:
    """The queued writes, in order: a run of one statement's as one `executemany`, a Bulk's rows as one
    statement."""
    items = list(queue)
    queue.clear()
    for statement, run in itertools.groupby(items, key=lambda item: item[0]):
        if isinstance(statement, Bulk):
            for _, rows in run:
                rows.sent = True
                await statement._send(conn, rows)
            continue
        sql = statement._compiled.sql  # compiled when deferred
        args = [a for _, a in run]
        if len(args) == 1:
            await conn.execute(sql, *args[0])
        else:
            await conn.executemany(sql, args)


async def connection_lost(session: AsyncSession, exc: Exception) -> None:
    """After a statement failed: when `exc` says the connection died, invalidate it (the caller re-raises). A
    plain try/except at the call sites, not a context manager: these are the hot statements."""
    if is_disconnect(exc):
        session.info.pop(_RAW, None)
        with contextlib.suppress(Exception):
            await (await session.connection()).invalidate(exc)


async def connection(session: AsyncSession) -> asyncpg.Connection:
    """The session's asyncpg connection, its transaction begun (SQLAlchemy begins it lazily, at first use; not
    in autocommit mode)."""
    adapted: Any = session.info.get(_RAW)
    # Still in the transaction it began (or a session of Database.autocommit, which begins none).
    if adapted is not None and (_compat.adapted_in_transaction(adapted) or adapted.autocommit):
        return _compat.adapted_raw(adapted)
    conn = await session.connection()
    fairy = await conn.get_raw_connection()
    adapted = fairy.dbapi_connection
    raw = await _begun(adapted)
    session.info[_RAW] = adapted
    return raw


async def _begun(adapted: Any) -> asyncpg.Connection:
    """The asyncpg connection of SQLAlchemy's adapted one, its transaction begun (SQLAlchemy begins it lazily)."""
    await _compat.adapted_begin(adapted)
    return _compat.adapted_raw(adapted)


def insert_of(table: Table, *columns: str) -> Insert:
    """`INSERT INTO table (columns) VALUES (:column, ...)`: an insert of exactly these columns (the others take
    their defaults), each a bind parameter of its own name."""
    return insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in columns})

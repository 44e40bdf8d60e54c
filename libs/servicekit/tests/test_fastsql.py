"""fastsql statements run inside the session's own transaction, with SQLAlchemy's type conversions."""

from __future__ import annotations

import asyncpg
import pytest
from kitapp import app as kitapp
from kitapp.fixtures import migrate
from sqlalchemy import bindparam, func, select, text

from servicekit import _compat, fastsql
from servicekit.consumer import is_transient
from servicekit.db import Database, is_disconnect
from servicekit.fastsql import Statement, insert_of
from servicekit.testing import asyncpg_url, eventually

pytestmark = pytest.mark.integration
audit = kitapp.kit.audit_log
_ADD = Statement(insert_of(audit, "actor", "entity", "entity_id", "action", "before", "after").returning(audit.c.id))
_GET = Statement(select(audit.c.entity_id, audit.c.after).where(audit.c.entity == bindparam("entity")))
_TWICE = Statement(text("SELECT CAST(:a AS int) + CAST(:b AS int) + CAST(:a AS int)"))


def _row(entity_id: str) -> dict[str, object]:
    return {"actor": "t", "entity": "order", "entity_id": entity_id, "action": "placed", "before": None}


async def test_statements_share_the_sessions_transaction(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            new_id = await _ADD.fetchval(s, **_row("SO-1"), after={"lines": [1, 2], "note": "中文"})
            assert isinstance(new_id, int)
            # SQLAlchemy sees the row in the same transaction, and the JSON went in as JSON
            assert await s.scalar(select(audit.c.after["note"].astext).where(audit.c.id == new_id)) == "中文"
            rows = await _GET.fetch(s, entity="order")
            assert [(r["entity_id"], r["after"]) for r in rows] == [("SO-1", {"lines": [1, 2], "note": "中文"})]
            assert await _TWICE.fetchval(s, a=2, b=3) == 7
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                await _ADD.executemany(s, [{**_row("SO-2"), "after": None}, {**_row("SO-3"), "after": None}])
                assert await s.scalar(select(func.count()).select_from(audit)) == 3
                raise RuntimeError("roll back")
        async with db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(audit)) == 1  # the rollback undid the raw writes
            with pytest.raises(asyncpg.NotNullViolationError):
                await _ADD.execute(s, **{**_row("SO-4"), "actor": None}, after=None)
    finally:
        await db.dispose()


async def test_in_an_autocommit_session_each_statement_commits_on_its_own(database_url: str) -> None:
    """Database.autocommit: no transaction block (no BEGIN), so what a statement wrote stays when the session
    fails afterwards, while a transaction's session would have undone it; the pooled connection then serves
    ordinary transactions again."""
    await migrate(database_url)
    db = Database(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with db.autocommit() as s:
                await _ADD.fetchval(s, **_row("AC-1"), after={})
                raw = _compat.adapted_raw((await (await s.connection()).get_raw_connection()).dbapi_connection)
                assert not raw.is_in_transaction()
                xids = [await _XID.fetchval(s) for _ in range(2)]
                assert xids[0] != xids[1], "each statement is its own transaction"
                raise RuntimeError("after the statement")
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                await _ADD.fetchval(s, **_row("TX-1"), after={})
                raise RuntimeError("undone")
        async with db.transaction() as s:
            rows = await _GET.fetch(s, entity="order")
            assert [r["entity_id"] for r in rows] == ["AC-1"]
            assert (await fastsql.connection(s)).is_in_transaction()
    finally:
        await db.dispose()


_XID = Statement(text("SELECT pg_current_xact_id()::text"))


def test_in_lists_are_refused() -> None:
    from sqlalchemy.dialects.postgresql import asyncpg as dialect

    with pytest.raises(ValueError, match="ANY"):
        Statement(select(audit.c.id).where(audit.c.entity_id.in_(bindparam("ids", expanding=True))))._compile(
            dialect.dialect()  # type: ignore[no-untyped-call]
        )


_BACKEND = Statement(text("SELECT pg_backend_pid()"))


async def _terminate(database_url: str, pid: int) -> None:
    """End a backend from the server side, as a database restart does, and wait until it is gone."""
    admin = await asyncpg.connect(asyncpg_url(database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        await eventually(
            lambda: admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid), lambda n: n == 0
        )
    finally:
        await admin.close()


@pytest.mark.parametrize("first", ["fastsql", "sqlalchemy"])
async def test_a_connection_the_server_ended_fails_as_transient_and_leaves_the_pool(
    database_url: str, first: str
) -> None:
    """After a database restart the pool still holds connections the server has closed. The first transaction
    on one must fail as transient (the consumer retries it, never dead-letters it) and the connection must
    not go back to the pool: the next transaction gets a working one. With a pool of one, a dead connection
    kept in the pool would fail every later transaction."""
    await migrate(database_url)
    db = Database(database_url, pool_size=1)
    try:
        async with db.transaction() as s:
            pid = await _BACKEND.fetchval(s)
        await _terminate(database_url, pid)
        with pytest.raises(Exception) as failed:
            async with db.transaction() as s:
                if first == "fastsql":
                    await _GET.fetch(s, entity="order")
                else:
                    await s.execute(select(audit.c.id))
        assert is_transient(failed.value), repr(failed.value)
        async with db.transaction() as s:
            assert await _BACKEND.fetchval(s) != pid
            assert await _TWICE.fetchval(s, a=1, b=2) == 4
    finally:
        await db.dispose()


def test_asyncpg_out_of_step_with_a_server_that_ended_the_connection_counts_as_a_disconnect() -> None:
    # Seen when the terminated backend's farewell arrived just before the next statement (CI, under load): the
    # connection is unusable, so the transaction is retried on another one and this one leaves the pool.
    error = asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")
    assert is_disconnect(error) and is_transient(error)
    wrapped = RuntimeError("while starting the transaction")
    wrapped.__cause__ = error
    assert is_disconnect(wrapped)


_NOTE = Statement(insert_of(audit, "actor", "entity", "entity_id", "action", "before", "after"))
_RENAME = Statement(text("UPDATE audit_log SET action = :action WHERE entity_id = :entity_id"))
_ACTIONS = Statement(select(audit.c.entity_id, audit.c.action).where(audit.c.entity == "order").order_by(audit.c.id))


async def test_deferred_writes_run_in_order_before_whatever_reads_after_them(database_url: str) -> None:
    """While a session is `deferring`, `defer` queues a write: what the transaction reads after it (through
    fastsql or SQLAlchemy) sees it, writes keep their order, the block's end sends what is left, and a failing
    write fails the statement that sent it. Outside the block `defer` runs the write at once."""
    await migrate(database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as s, fastsql.deferring(s):
            for n in range(3):
                await _NOTE.defer(s, **_row(f"SO-{n}"), after=None)
            await _RENAME.defer(s, action="confirmed", entity_id="SO-1")  # after SO-1's insert, not before it
            rows = await _ACTIONS.fetch(s)  # a fastsql read sends the queue first
            assert [(r["entity_id"], r["action"]) for r in rows] == [
                ("SO-0", "placed"),
                ("SO-1", "confirmed"),
                ("SO-2", "placed"),
            ]
            await _NOTE.defer(s, **_row("SO-3"), after=None)
            # ... and so does a statement through SQLAlchemy's session
            assert await s.scalar(select(func.count()).select_from(audit)) == 4
            await _NOTE.defer(s, **_row("SO-4"), after=None)
            await _RENAME.defer(s, action="shipped", entity_id="SO-4")
        async with db.transaction() as s:  # the block's end sent the rest, in order
            rows = await _ACTIONS.fetch(s)
            assert [(r["entity_id"], r["action"]) for r in rows][-2:] == [("SO-3", "placed"), ("SO-4", "shipped")]

        bad = {**_row("SO-9"), "actor": None}
        with pytest.raises(asyncpg.NotNullViolationError):
            async with db.transaction() as s, fastsql.deferring(s):
                await _NOTE.defer(s, **_row("SO-8"), after=None)
                await _NOTE.defer(s, **bad, after=None)  # queued: nothing fails yet
                await _GET.fetch(s, entity="order")  # sends the queue: fails here, and the transaction is undone
        async with db.transaction() as s:
            with pytest.raises(asyncpg.NotNullViolationError):  # not deferring: runs (and fails) at once
                await _NOTE.defer(s, **bad, after=None)
        async with db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(audit)) == 5
    finally:
        await db.dispose()


_BULK = fastsql.Bulk(
    "INSERT INTO bulk_t (k, v, n) SELECT * FROM unnest(CAST(:k AS varchar[]), CAST(:v AS int[]), CAST(:n AS int[])) "
    "ON CONFLICT (k) DO UPDATE SET v = least(bulk_t.v, excluded.v), n = bulk_t.n + excluded.n",
    ["k", "v", "n"],
    ["k"],
    merge=lambda old, new: {**new, "v": min(old["v"], new["v"]), "n": old["n"] + new["n"]},
)
_BULK_ROWS = Statement(text("SELECT k, v, n FROM bulk_t ORDER BY k"))


async def test_a_bulks_rows_go_as_one_statement_merged_per_key(database_url: str) -> None:
    """`Bulk.add` while deferring: the rows of one key are merged, all of them sent as one statement at the place
    of the first (so before a statement deferred after it), a new run started once the queue was sent; outside
    the block each row is written at once."""
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            await s.execute(text("CREATE TEMP TABLE bulk_t (k varchar PRIMARY KEY, v int, n int) ON COMMIT DROP"))
            async with fastsql.deferring(s):
                await _BULK.add(s, k="a", v=5, n=1)
                await _RENAME_BULK.defer(s, k="b")  # queued after the bulk: runs after all of its rows
                await _BULK.add(s, k="b", v=7, n=1)
                await _BULK.add(s, k="a", v=3, n=1)  # merged with the first "a": one row, no conflict with itself
                assert s.info[fastsql._DEFERRED][0][0] is _BULK and len(s.info[fastsql._DEFERRED]) == 2
                rows = await _BULK_ROWS.fetch(s)  # sends the queue
                assert [tuple(r) for r in rows] == [("a", 3, 2), ("b", 70, 1)]
                await _BULK.add(s, k="a", v=1, n=1)  # a new run, sent at the block's end
            assert [tuple(r) for r in await _BULK_ROWS.fetch(s)] == [("a", 1, 3), ("b", 70, 1)]
            await _BULK.add(s, k="c", v=9, n=1)  # not deferring: at once
            assert [tuple(r) for r in await _BULK_ROWS.fetch(s)][-1] == ("c", 9, 1)
    finally:
        await db.dispose()


_RENAME_BULK = Statement(text("UPDATE bulk_t SET v = v * 10 WHERE k = :k"))

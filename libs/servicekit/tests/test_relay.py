"""The outbox relay on the real broker and database: order per key, rows committed late, a relay killed
mid-batch, and one active relay per service."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict

import asyncpg
import pytest
from kitapp import app as kitapp
from kitapp.fixtures import TOPIC, customer, lose_producer_state, migrate
from sqlalchemy import func, select

from servicekit.db import Database
from servicekit.kafka import Producer
from servicekit.outbox import Outbox
from servicekit.relay import _NEXT_BATCH, OutboxRelay, relay_connection
from servicekit.testing import Infra, TopicTail, asyncpg_url, eventually

pytestmark = pytest.mark.integration


def _seen(records: list, prefix: str) -> dict[str, list[str]]:  # type: ignore[type-arg]
    """Names published per key (in topic order) for keys of this test."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for r in records:
        body = json.loads(r.value)
        if body["key"].startswith(prefix):
            by_key[body["key"]].append(body["payload"]["name"])
    return by_key


async def _unpublished(db: Database) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(kitapp.kit.outbox)) or 0)


async def test_rows_reach_kafka_in_order_per_key_including_rows_committed_late(infra: Infra, database_url: str) -> None:
    await migrate(database_url)
    db, outbox = Database(database_url), Outbox(kitapp.kit, "sales")
    prefix = f"ord-{uuid.uuid4().hex[:6]}-"
    relay = OutboxRelay(
        dsn=asyncpg_url(database_url), bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=0.1
    )
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        task = asyncio.create_task(relay.run())
        try:
            async with db.sessions() as late, late.begin():
                # This row's id is allocated first but its transaction commits last.
                await outbox.add(late, customer(f"{prefix}late", name="late-0"))
                for i in range(30):
                    async with db.transaction() as s:
                        await outbox.add(s, customer(f"{prefix}{i % 3}", name=f"n-{i:02d}"))
                await eventually(lambda: _unpublished(db), lambda n: n == 0)
            records = await tail.wait_for(lambda rs: sum(map(len, _seen(rs, prefix).values())) >= 31)
        finally:
            relay.stop()
            await task
    seen = _seen(records, prefix)
    assert seen[f"{prefix}late"] == ["late-0"]
    for k in range(3):
        expected = [f"n-{i:02d}" for i in range(30) if i % 3 == k]
        assert seen[f"{prefix}{k}"] == expected
    await db.dispose()


def _spawn_relay(infra: Infra, database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELAY_DSN": asyncpg_url(database_url),
        "RELAY_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "RELAY_SERVICE": "sales",
        "RELAY_BATCH_SIZE": "50",
    }
    return subprocess.Popen([sys.executable, "-m", "servicekit.relay"], env=env, stderr=subprocess.DEVNULL)


async def test_relay_killed_mid_batch_loses_nothing(infra: Infra, database_url: str) -> None:
    await migrate(database_url)
    db, outbox = Database(database_url), Outbox(kitapp.kit, "sales")
    prefix = f"kill-{uuid.uuid4().hex[:6]}-"
    total = 3000
    async with db.transaction() as s:
        for i in range(total):
            await outbox.add(s, customer(f"{prefix}{i % 7}", name=f"n-{i:05d}"))
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        relay = _spawn_relay(infra, database_url)
        try:
            await eventually(lambda: _unpublished(db), lambda n: n < total, timeout=30, interval=0.01)
        finally:
            relay.send_signal(signal.SIGKILL)
            relay.wait()
        left = await _unpublished(db)
        assert 0 < left < total, "the relay was killed part-way"
        restarted = _spawn_relay(infra, database_url)
        try:
            await eventually(lambda: _unpublished(db), lambda n: n == 0, timeout=60)
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait()
        records = await tail.wait_for(lambda rs: sum(len(v) for v in _seen(rs, prefix).values()) >= total)
    seen = _seen(records, prefix)
    for k in range(7):
        # A batch sent but not yet marked when the relay died is sent again (at least once); consumers
        # drop such duplicates by event id. Nothing is missing and the first sightings keep the key's order.
        first_sightings = list(dict.fromkeys(seen[f"{prefix}{k}"]))
        assert first_sightings == [f"n-{i:05d}" for i in range(total) if i % 7 == k]
    await db.dispose()


async def test_only_one_relay_publishes_per_service(infra: Infra, database_url: str) -> None:
    await migrate(database_url)
    dsn = asyncpg_url(database_url)
    first = OutboxRelay(dsn=dsn, bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=0.1)
    second = OutboxRelay(dsn=dsn, bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=0.1)
    tasks = [asyncio.create_task(first.run())]
    await eventually(lambda: first.is_leader)
    tasks.append(asyncio.create_task(second.run()))
    try:
        await asyncio.sleep(0.5)  # give the standby a chance to (wrongly) take the lock
        assert first.is_leader and not second.is_leader
        first.stop()
        await tasks[0]
        # The leader's connection closed, releasing the lock: the standby takes over.
        await eventually(lambda: second.is_leader, timeout=10)
    finally:
        first.stop()
        second.stop()
        await asyncio.gather(*tasks)


async def test_relay_keeps_publishing_after_the_broker_refuses_its_producer_for_good(
    infra: Infra, database_url: str
) -> None:
    """A broker that lost the producer's state refuses every later batch of that producer; the relay must not
    retry with it for ever (rows would stay unsent), but send the batch again with a new producer."""
    await migrate(database_url)
    db, outbox = Database(database_url), Outbox(kitapp.kit, "sales")
    prefix = f"oos-{uuid.uuid4().hex[:6]}-"
    producer = Producer(infra.kafka_bootstrap, "sales-relay-test")
    await producer.start()
    relay = OutboxRelay(
        dsn=asyncpg_url(database_url),
        bootstrap=infra.kafka_bootstrap,
        service="sales",
        poll_seconds=0.1,
        producer=producer,
    )
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        task = asyncio.create_task(relay.run())
        try:
            async with db.transaction() as s:
                await outbox.add(s, customer(f"{prefix}0", name="first"))
            await eventually(lambda: _unpublished(db), lambda n: n == 0)
            await lose_producer_state(producer)
            async with db.transaction() as s:
                for i in range(20):
                    await outbox.add(s, customer(f"{prefix}{i % 4}", name=f"n-{i:02d}"))
            await eventually(lambda: _unpublished(db), lambda n: n == 0, timeout=30)
            records = await tail.wait_for(lambda rs: sum(map(len, _seen(rs, prefix).values())) >= 21)
        finally:
            relay.stop()
            await task
            await producer.stop()
    seen = _seen(records, prefix)
    for k in range(4):
        # The partitions that took the refused batch get it again (at least once; consumers drop duplicates).
        first_sightings = [name for name in dict.fromkeys(seen[f"{prefix}{k}"]) if name != "first"]
        assert first_sightings == [f"n-{i:02d}" for i in range(20) if i % 4 == k]
    assert producer.renewals == 1
    await db.dispose()


async def _notifications(database_url: str) -> tuple[asyncpg.Connection, list[str]]:
    heard: list[str] = []
    conn = await asyncpg.connect(asyncpg_url(database_url))
    await conn.add_listener("outbox", lambda *args: heard.append(str(args[2])))
    return conn, heard


async def _publish_twice(db: Database, outbox: Outbox) -> None:
    """Two commits, each published well within the relays' poll interval (60 s): only a wake-up explains it.
    The second comes after the relay has found the outbox empty and gone to sleep."""
    for i in range(2):
        async with db.transaction() as s:
            await outbox.add(s, customer(f"wake-{uuid.uuid4().hex[:6]}", name=f"n-{i}"))
        await eventually(lambda: _unpublished(db), lambda n: n == 0, timeout=15)


async def test_a_commit_wakes_the_relay_of_its_own_process_without_a_notify(infra: Infra, database_url: str) -> None:
    """NOTIFY serializes the commits of every transaction that sends one, server-wide (a lock held through the
    commit's WAL flush): a process running the active relay wakes it in-process instead."""
    await migrate(database_url)
    db, outbox = Database(database_url), Outbox(kitapp.kit, "sales")
    relay = OutboxRelay(
        dsn=asyncpg_url(database_url), bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=60
    )
    outbox.relay = relay
    listener, heard = await _notifications(database_url)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: relay.is_leader, timeout=10)
        await _publish_twice(db, outbox)
        await listener.execute("SELECT 1")  # a round trip: any notification sent so far has arrived
        assert heard == []
    finally:
        relay.stop()
        await task
        await listener.close()
        await db.dispose()


async def test_a_process_whose_relay_is_a_standby_notifies_the_leader(infra: Infra, database_url: str) -> None:
    await migrate(database_url)
    db, outbox = Database(database_url), Outbox(kitapp.kit, "sales")
    dsn = asyncpg_url(database_url)
    leader = OutboxRelay(dsn=dsn, bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=60)
    standby = OutboxRelay(dsn=dsn, bootstrap=infra.kafka_bootstrap, service="sales", poll_seconds=60)
    outbox.relay = standby  # this process's relay is not the active one
    listener, heard = await _notifications(database_url)
    tasks = [asyncio.create_task(leader.run())]
    try:
        await eventually(lambda: leader.is_leader, timeout=10)
        tasks.append(asyncio.create_task(standby.run()))
        await _publish_twice(db, outbox)
        assert not standby.is_leader and len(heard) == 2
    finally:
        leader.stop()
        standby.stop()
        await asyncio.gather(*tasks)
        await listener.close()
        await db.dispose()


async def _plan_after_the_outbox_filled(conn: asyncpg.Connection) -> str:
    """The plan of the relay's statement, prepared and run while the outbox was empty, once 20000 rows were
    written and all but 30 deleted (a busy outbox between two vacuums)."""
    await conn.execute("ALTER TABLE outbox SET (autovacuum_enabled = false)")  # no vacuum resets the plans
    await conn.execute("DELETE FROM outbox")
    await conn.execute("PREPARE next_batch(int, bigint[]) AS " + _NEXT_BATCH)
    for _ in range(10):  # past the five custom plans after which PostgreSQL may settle on the generic one
        await conn.execute("EXECUTE next_batch(500, '{0}')")
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, message_type, version, correlation_id, envelope)"
        " SELECT gen_random_uuid(), 't', 'k', 'M', 1, 'k', '{}' FROM generate_series(1, 20000)"
    )
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM outbox ORDER BY id")]
    await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids[:-30])
    plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN EXECUTE next_batch(500, '{{{ids[-30]}}}')"))
    await conn.execute("DEALLOCATE next_batch")
    return plan


def _delete_scan(plan: str) -> str:
    """How the plan's delete finds its rows (the node under `Delete on outbox`)."""
    lines = [line.strip().removeprefix("->  ") for line in plan.splitlines()]
    return next(lines[i + 1] for i, line in enumerate(lines) if line.startswith("Delete on outbox"))


async def test_the_relay_deletes_through_the_primary_key_whatever_plan_was_cached(database_url: str) -> None:
    """A prepared statement may keep the generic plan PostgreSQL made while the outbox was empty: its delete scans
    every dead row of a busy outbox (the control, on an ordinary connection, with generic plans forced since when
    PostgreSQL switches to them is its own choice). The relay's connection plans each call: through the primary
    key. Its statement deletes exactly the rows sent and reads the next ones without them."""
    await migrate(database_url)
    control = await asyncpg.connect(
        asyncpg_url(database_url), server_settings={"plan_cache_mode": "force_generic_plan"}
    )
    relay = await relay_connection(asyncpg_url(database_url))
    try:
        generic = await _plan_after_the_outbox_filled(control)
        assert _delete_scan(generic).startswith("Seq Scan on outbox"), generic
        plan = await _plan_after_the_outbox_filled(relay)
        assert _delete_scan(plan).startswith("Index Scan using pk_outbox on outbox"), plan

        ids = [r["id"] for r in await relay.fetch("SELECT id FROM outbox ORDER BY id")]
        assert len(ids) == 30
        rows = await relay.fetch(_NEXT_BATCH, 5, ids[:10])  # the first 10 were sent: deleted, not read again
        assert [r["id"] for r in rows] == ids[10:15]
        assert [r["id"] for r in await relay.fetch("SELECT id FROM outbox ORDER BY id")] == ids[10:]
    finally:
        await control.close()
        await relay.close()

"""The idempotent consumer on the real broker and database: duplicates, crashes between the database commit
and the offset commit, poison messages and their replay."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.partitioner import murmur2
from kitapp import app as kitapp
from kitapp.fixtures import (
    TOPIC,
    customer,
    effects_for,
    envelope,
    migrate,
    new_group,
    producer,
    running,
    send,
    send_raw,
)
from prometheus_client import REGISTRY
from sqlalchemy import delete, insert

from contracts.envelope import HEADER_TYPE, HEADER_VERSION
from servicekit.deadletter import H_REASON, H_TOPIC, header, replay
from servicekit.testing import Infra, TopicTail, eventually, partitions_of, pin_group_to_end

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


async def test_same_message_delivered_twice_has_one_effect(infra: Infra, database_url: str) -> None:
    code, marker = f"dup-{uuid.uuid4().hex[:8]}", f"mark-{uuid.uuid4().hex[:8]}"
    async with running(infra, database_url, new_group()) as runtime, producer(infra) as p:
        env = envelope(customer(code))
        await send(p, env)
        await send(p, env)  # the broker redelivers, or a producer retried: same event id
        await send(p, envelope(customer(marker)))
        await eventually(lambda: effects_for(runtime, marker), lambda n: n == 1)
        assert await effects_for(runtime, code) == 1


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_each_outcome_and_time_only_the_messages_handled(infra: Infra, database_url: str) -> None:
    code, marker = f"met-{uuid.uuid4().hex[:8]}", f"mark-{uuid.uuid4().hex[:8]}"
    async with running(infra, database_url, new_group()) as runtime, producer(infra) as p:
        assert runtime.processor is not None
        labels = {"consumer": runtime.processor.consumer, "topic": TOPIC}
        before = {
            outcome: _sample("platform_messages_total", **labels, outcome=outcome)
            for outcome in ("processed", "duplicate", "ignored")
        }
        timed = _sample("platform_message_seconds_count", **labels)
        env = envelope(customer(code))
        await send(p, env)
        await send(p, env)
        for _ in range(3):  # a type this consumer has no handler for: skipped by its header
            await send_raw(p, code, b"{}", [(HEADER_TYPE, b"SomethingElse")])
        await send(p, envelope(customer(marker)))
        await eventually(lambda: effects_for(runtime, marker), lambda n: n == 1)
        counted = {
            outcome: _sample("platform_messages_total", **labels, outcome=outcome) - before[outcome]
            for outcome in before
        }
        assert counted == {"processed": 2, "duplicate": 1, "ignored": 3}
        assert _sample("platform_message_seconds_count", **labels) - timed == 3


async def _committed(infra: Infra, group: str) -> dict[int, int | None]:
    partitions = await partitions_of(infra.kafka_bootstrap, [TOPIC])
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp.partition: await consumer.committed(tp) for tp in partitions}
    finally:
        await consumer.stop()


def _spawn_kitapp(infra: Infra, database_url: str, group: str, crash: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KIT_DATABASE_URL": database_url,
        "KIT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "KIT_GROUP": group,
        "PYTHONPATH": str(HERE),
    }
    if crash:
        env["KIT_CRASH_AFTER_COMMIT"] = "1"
    return subprocess.Popen([sys.executable, "-m", "kitapp.app"], env=env)


async def test_crash_after_db_commit_before_offset_commit_has_no_second_effect(infra: Infra, database_url: str) -> None:
    group = new_group()
    await migrate(database_url)
    await pin_group_to_end(infra.kafka_bootstrap, group, [TOPIC])
    before = await _committed(infra, group)
    code, marker = f"crash-{uuid.uuid4().hex[:8]}", f"mark-{uuid.uuid4().hex[:8]}"
    async with running(infra, database_url, new_group(), start_consumers=False) as probe:
        crashing = _spawn_kitapp(infra, database_url, group, crash=True)
        try:
            async with producer(infra) as p:
                await send(p, envelope(customer(code)))
            # The process dies right after committing the effect, before the offset commit.
            assert await asyncio.to_thread(crashing.wait, 60) == 9
        finally:
            if crashing.poll() is None:
                crashing.kill()
        assert await effects_for(probe, code) == 1
        assert await _committed(infra, group) == before, "the offset must not have been committed"

        restarted = _spawn_kitapp(infra, database_url, group, crash=False)
        try:
            async with producer(infra) as p:
                await send(p, envelope(customer(marker)))
            await eventually(lambda: effects_for(probe, marker), lambda n: n == 1, timeout=60)
            # The redelivered message found its inbox record: still one effect.
            assert await effects_for(probe, code) == 1
            # Offsets are committed once the batch is processed (in the background, within the interval).
            await eventually(lambda: _committed(infra, group), lambda after: after != before, timeout=10)
        finally:
            restarted.send_signal(signal.SIGTERM)
            await asyncio.to_thread(restarted.wait, 30)


@pytest.mark.parametrize("with_type_headers", [False, True], ids=["no-type-headers", "type-headers"])
async def test_poison_messages_are_dead_lettered_and_the_partition_keeps_flowing(
    infra: Infra, database_url: str, with_type_headers: bool
) -> None:
    """With the type and version in the headers (as our producers send them) a record is read in one pass; one
    that turns out invalid must still be dead-lettered for the same reason as one read the two-pass way."""
    key = f"poison-{uuid.uuid4().hex[:8]}"  # one key: every record below is on the same partition
    blocked = customer(key)
    good = customer(key, name="good after poison")
    async with (
        running(infra, database_url, new_group()) as runtime,
        producer(infra) as p,
        TopicTail(infra.kafka_bootstrap, "dlq.sales") as dlq,
    ):
        async with runtime.db.transaction() as s:
            await s.execute(insert(kitapp.blocked_codes).values(code=key))
        trace = [("x-trace", b"abc")]
        if with_type_headers:
            trace += [(HEADER_TYPE, b"CustomerUpserted"), (HEADER_VERSION, b"1")]
        await send_raw(p, key, b"{not json", trace)
        bad_payload = envelope(blocked).model_copy(update={"payload": {"customer_code": key}})
        await send(p, bad_payload, trace)
        await send(p, envelope(blocked), trace)
        records = await dlq.wait_for(
            lambda rs: sum(header(r, "x-trace") == "abc" for r in rs if r.key == key.encode()) >= 3
        )
        mine = [r for r in records if r.key == key.encode()]
        assert [header(r, H_REASON) for r in mine] == [
            "invalid_envelope",
            "contract_violation",
            "handler_error",
        ]
        assert all(header(r, H_TOPIC) == TOPIC for r in mine)
        assert all(header(r, "x-trace") == "abc" for r in mine), "original headers are kept"
        assert "credit_limit" in (header(mine[1], "dlq-error") or "")
        assert mine[0].value == b"{not json"

        async with runtime.db.transaction() as s:
            await s.execute(delete(kitapp.blocked_codes).where(kitapp.blocked_codes.c.code == key))
        await send(p, envelope(good))
        # The partition was not blocked: the message after the poison ones is processed.
        await eventually(lambda: effects_for(runtime, key), lambda n: n == 1)

        # The block is lifted: replaying the dead letters brings the failed handler's message through.
        assert await replay(infra.kafka_bootstrap, "sales", reason="handler_error") >= 1
        await eventually(lambda: effects_for(runtime, key), lambda n: n == 2)


def _partition(key: str, partitions: int = 6) -> int:
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def test_a_message_whose_prerequisite_comes_later_on_another_partition_waits_for_it(
    infra: Infra, database_url: str
) -> None:
    first = f"first-{uuid.uuid4().hex[:8]}"
    second = next(
        k for k in (f"second-{uuid.uuid4().hex[:8]}" for _ in range(100)) if _partition(k) != _partition(first)
    )
    async with (
        running(infra, database_url, new_group()) as runtime,
        producer(infra) as p,
        TopicTail(infra.kafka_bootstrap, "dlq.sales") as dlq,
    ):
        await send(p, envelope(customer(second, name=f"after:{first}")))  # arrives before what it needs
        await send(p, envelope(customer(first)))
        await eventually(lambda: effects_for(runtime, second), lambda n: n == 1, timeout=30)
        assert await effects_for(runtime, first) == 1
        await dlq.fetch()
        assert not [r for r in dlq.records if r.key in (first.encode(), second.encode())]


@pytest.mark.parametrize("interval_ms", [200, 0])
async def test_processed_offsets_are_committed(infra: Infra, database_url: str, interval_ms: int) -> None:
    """In the background every interval; with 0, after every batch."""
    group = new_group()
    codes = [f"bg-{uuid.uuid4().hex[:8]}" for _ in range(30)]
    async with (
        running(infra, database_url, group, consumer_commit_interval_ms=interval_ms) as runtime,
        producer(infra) as p,
    ):
        before = await _committed(infra, group)
        for code in codes:
            await send(p, envelope(customer(code)))
        for code in codes:
            await eventually(lambda c=code: effects_for(runtime, c), lambda n: n == 1, timeout=30)  # type: ignore[misc]
        await eventually(
            lambda: _committed(infra, group),
            lambda after: sum((after[k] or 0) - (before[k] or 0) for k in after) == len(codes),
            timeout=10,
        )
        if interval_ms:  # not one commit per batch
            assert 1 <= runtime.offsets.commits < len(codes)


async def test_a_quiet_consumer_polls_again_at_once_and_handles_a_record_as_soon_as_it_is_fetched(
    infra: Infra, database_url: str
) -> None:
    """FastStream's batch poll sleeps as long as its timeout after a poll that found nothing, so a record arriving
    then waited up to that long. The consumer polls without sleeping: with a 3 s poll timeout, a record sent just
    after an empty poll ended is handled long before 3 s have passed."""
    code = f"poll-{uuid.uuid4().hex[:8]}"
    async with (
        running(infra, database_url, new_group(), consumer_poll_timeout_ms=3000) as runtime,
        producer(infra) as p,
    ):
        assert runtime.broker is not None
        [subscriber] = runtime.broker.subscribers
        consumer = subscriber.consumer  # type: ignore[attr-defined]
        polls: list[tuple[int, int]] = []  # (timeout, records) of each finished poll
        empty = asyncio.Event()
        poll = consumer.getmany

        async def recording(*args: object, timeout_ms: int = 0, **kwargs: object) -> Any:
            fetched = await poll(*args, timeout_ms=timeout_ms, **kwargs)
            polls.append((timeout_ms, sum(len(v) for v in fetched.values())))
            if not fetched:
                empty.set()
            return fetched

        consumer.getmany = recording
        await asyncio.wait_for(empty.wait(), timeout=30)  # a poll found nothing for 3 s and returned
        await send(p, envelope(customer(code)))
        await eventually(lambda: effects_for(runtime, code), lambda n: n == 1, timeout=2)
        assert {t for t, _ in polls} == {3000}

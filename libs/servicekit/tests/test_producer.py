"""The service's producer on the real broker: what it delivers lands where and in the order `send()` would put it;
one that can no longer deliver is replaced, not kept retrying."""

from __future__ import annotations

import uuid

import pytest
from aiokafka.errors import OutOfOrderSequenceNumber
from kitapp.fixtures import TOPIC, lose_producer_state

from servicekit import _compat
from servicekit.kafka import Producer, make_producer
from servicekit.testing import Infra, TopicTail

pytestmark = pytest.mark.integration


def _message(key: str, value: str) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    return (TOPIC, value.encode(), key.encode(), [])


async def test_a_delivery_puts_each_key_where_send_would_and_keeps_its_order_across_full_batches(infra: Infra) -> None:
    """A delivery fills one record batch per partition; more than a batch holds, and a message larger than a
    batch, must still arrive whole, each key on the partition aiokafka's own `send()` chooses, in order."""
    run = uuid.uuid4().hex[:8]
    keys = [f"batch-{run}-{i}" for i in range(12)]
    big = f"batch-{run}-big"
    messages = [_message(key, f"{n}:" + "x" * 2000) for n in range(25) for key in keys]  # ≈ 600 KB, 16 KB batches
    messages.insert(100, _message(big, "y" * 100_000))
    reference = make_producer(infra.kafka_bootstrap, "test-reference")  # stock aiokafka: send() per message
    producer = Producer(infra.kafka_bootstrap, "test-producer")
    await reference.start()
    await producer.start()
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        try:
            await producer.deliver(messages)
            for key in [*keys, big]:
                await reference.send_and_wait(TOPIC, value=b"reference", key=key.encode())
        finally:
            await producer.stop()
            await reference.stop()
        wanted = {k.encode() for k in [*keys, big]}
        records = await tail.wait_for(lambda rs: len([r for r in rs if r.key in wanted]) >= len(messages) + 13)
    ours = [r for r in records if r.key in wanted]
    where = {r.key: r.partition for r in ours if r.value == b"reference"}
    assert len(set(where.values())) > 1  # the keys spread over several partitions
    for key in keys:
        got = [r for r in ours if r.key == key.encode() and r.value != b"reference"]
        assert [r.value.split(b":")[0] for r in got] == [str(n).encode() for n in range(25)]
        assert {r.partition for r in got} == {where[key.encode()]}
    (huge,) = [r for r in ours if r.key == big.encode() and r.value != b"reference"]
    assert len(huge.value) == 100_000 and huge.partition == where[big.encode()]


async def test_a_producer_the_broker_refuses_for_good_is_replaced(infra: Infra) -> None:
    key = f"oos-{uuid.uuid4().hex[:8]}"
    producer = Producer(infra.kafka_bootstrap, "test-producer")
    await producer.start()
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        try:
            await producer.deliver([_message(key, "before")])
            await lose_producer_state(producer)
            with pytest.raises(OutOfOrderSequenceNumber):
                await producer.deliver([_message(key, "refused")])
            # The same messages again, as the relay does: a new producer delivers them.
            await producer.deliver([_message(key, "refused"), _message(key, "after")])
            await producer.send_and_wait(TOPIC, value=b"last", key=key.encode(), headers=[])
        finally:
            await producer.stop()
        records = await tail.wait_for(lambda rs: len([r for r in rs if r.key == key.encode()]) >= 4)
    assert [r.value for r in records if r.key == key.encode()] == [b"before", b"refused", b"after", b"last"]
    assert producer.renewals == 1


async def test_a_delivery_that_never_completes_times_out_and_the_next_one_gets_through(infra: Infra) -> None:
    key = f"stuck-{uuid.uuid4().hex[:8]}"
    producer = Producer(infra.kafka_bootstrap, "test-producer", delivery_timeout=1.0)
    await producer.start()
    async with TopicTail(infra.kafka_bootstrap, TOPIC) as tail:
        try:
            # A sender task that stopped without failing its batches leaves their futures pending for ever.
            stuck = producer._current
            assert stuck is not None
            _compat.stop_sender(stuck)
            with pytest.raises(TimeoutError):
                await producer.deliver([_message(key, "lost")])
            await producer.deliver([_message(key, "again")])
        finally:
            await producer.stop()
        records = await tail.wait_for(lambda rs: any(r.key == key.encode() for r in rs))
    assert [r.value for r in records if r.key == key.encode()] == [b"again"]
    assert producer.renewals == 1

"""A consumer's fetch window: short while the CPUs are free, longer while the event loop's thread waits for a CPU
(polling.FetchWindow), and the fetch requests aiokafka sends carry the window the poller set."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from servicekit import _compat, polling
from servicekit.polling import FetchWindow
from servicekit.testing import Infra


def test_the_window_follows_the_smoothed_share_of_time_spent_waiting_for_a_cpu() -> None:
    w = FetchWindow(25, 100, calm=0.15, contended=0.30)
    assert w.observe(0.0, 0.0) == 25  # the first reading only sets the baseline
    assert w.observe(1.0, 0.1) == 25  # 10 % of the second waiting: calm
    t, waited = 1.0, 0.1
    for _ in range(30):  # the thread now waits 60 % of the time: contended, once the average has caught up
        t, waited = t + 0.2, waited + 0.12
        last = w.observe(t, waited)
    assert last == 100
    assert w.observe(t + 0.05, waited + 0.05) == 100, "a sample shorter than 100 ms does not move it"
    for _ in range(30):  # the same share as the middle of calm and contended: half-way
        t, waited = t + 0.2, waited + 0.045
        last = w.observe(t, waited)
    assert last == pytest.approx(62, abs=1)
    for _ in range(30):  # free again
        t, waited = t + 0.2, waited
        last = w.observe(t, waited)
    assert last == 25


def test_a_window_no_longer_than_the_short_one_never_moves() -> None:
    w = FetchWindow(250, 100)
    assert w.busy_ms == 250
    assert w.observe(0.0, 0.0) == 250
    assert w.observe(1.0, 1.0) == 250


@pytest.mark.integration
async def test_fetch_requests_carry_the_window_the_poller_sets(infra: Infra, monkeypatch: pytest.MonkeyPatch) -> None:
    topic = f"fetch-window-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 1, 1)])
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, fetch_max_wait_ms=25)
    waited = iter(i * 0.5 for i in range(1000))  # the loop's thread waits half of every second: contended
    monkeypatch.setattr(polling, "_runqueue_seconds", lambda: next(waited))
    sent: list[int] = []
    try:
        await consumer.start()
        consumer.assign([TopicPartition(topic, 0)])
        client: Any = _compat.kafka_client_of(consumer)
        send = client.send

        async def spy(node_id: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if type(request).__name__.startswith("FetchRequest"):
                sent.append(_compat.fetch_max_wait_of(request))
            return await send(node_id, request, *args, **kwargs)

        client.send = spy
        poll = polling.poller(20, 10, FetchWindow(25, 100))
        for _ in range(40):  # the smoothed wait needs a few samples of 100 ms to reach "contended"
            await poll(consumer)
            await asyncio.sleep(0.1)
        assert sent, "no fetch request was sent"
        assert sent[0] == 25
        assert sent[-1] == 100
    finally:
        await consumer.stop()
        await admin.delete_topics([topic])
        await admin.close()

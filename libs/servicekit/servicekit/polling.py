"""How a consumer polls Kafka: `poller` replaces FastStream's batch poll (which sleeps after an empty poll), and
`FetchWindow` sets how long the broker may hold each fetch, from how contended the machine's CPUs are."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from itertools import chain
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from servicekit import _compat


def _runqueue_seconds() -> float | None:
    """How long this thread has waited for a CPU, runnable but not running (Linux schedstat); None elsewhere."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class FetchWindow:
    """How long the broker may hold this consumer's next fetch while records gather: `short_ms` while the
    machine's CPUs are free, up to `busy_ms` while they are contended, i.e. while the event loop's thread waits,
    runnable, for a CPU for more than `calm` of the time (all of `busy_ms` from `contended` on, in between in
    proportion; smoothed over about a second). A fetch and the batch transaction behind it cost ≈ 1.5–2 ms of
    client, broker and database CPU whatever they carry: when the CPUs are what every hop waits for, fewer and
    bigger batches make every hop faster; when they are free, a longer window would only add latency."""

    SMOOTHING = 0.3  # weight of the latest sample
    SAMPLE_SECONDS = 0.1

    def __init__(self, short_ms: int, busy_ms: int, calm: float = 0.15, contended: float = 0.30) -> None:
        self.short_ms = short_ms
        self.busy_ms = max(short_ms, busy_ms)
        self.calm, self.contended = calm, contended
        self.waiting = 0.0  # smoothed share of the time spent waiting for a CPU
        self._last: tuple[float, float] | None = None

    def observe(self, at: float, runqueue_seconds: float) -> int:
        """The thread's cumulative run-queue wait at monotonic time `at`: the wait of the next fetch, in ms."""
        if self._last is None:
            self._last = (at, runqueue_seconds)
        elif at - self._last[0] >= self.SAMPLE_SECONDS:
            share = (runqueue_seconds - self._last[1]) / (at - self._last[0])
            self.waiting += self.SMOOTHING * (share - self.waiting)
            self._last = (at, runqueue_seconds)
        load = min(1.0, max(0.0, (self.waiting - self.calm) / (self.contended - self.calm)))
        return round(self.short_ms + load * (self.busy_ms - self.short_ms))


def poller(
    timeout_ms: int, max_records: int, window: FetchWindow
) -> Callable[[AIOKafkaConsumer], Awaitable[tuple[Any, ...]]]:
    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[Any, ...]:
        waited = _runqueue_seconds() if window.busy_ms > window.short_ms else None
        if waited is not None:
            _compat.set_fetch_max_wait(consumer, window.observe(time.monotonic(), waited))
        fetched = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return tuple(chain.from_iterable(fetched.values()))  # none: FastStream polls again at once

    return get_msg

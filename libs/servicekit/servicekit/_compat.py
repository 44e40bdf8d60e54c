"""Every use of a private part of a third-party library, in one place.

The platform's hot paths reach into aiokafka, FastStream and SQLAlchemy's asyncpg adapter where their public API
has no way to do what is needed (docs/performance.md says what each one buys). Each access is one function here,
with a canary test in libs/servicekit/tests/test_compat.py that fails when an upgrade moves the part it relies on,
and `check_versions()`, called when a service starts, refuses a version outside the range those tests passed with.
No other module touches a private attribute of a third-party library (tests/test_no_private_access.py checks it).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Awaitable, Callable
from typing import Any

# The releases these accesses were written and tested against: [lowest, first untested).
TESTED = {
    "aiokafka": ((0, 12), (0, 15)),
    "faststream": ((0, 6), (0, 8)),
    "sqlalchemy": ((2, 0), (2, 2)),
    "asyncpg": ((0, 30), (0, 33)),
}


class UnsupportedVersionError(RuntimeError):
    pass


def _release(version: str) -> tuple[int, int]:
    major, minor = (int("".join(ch for ch in part if ch.isdigit()) or 0) for part in version.split(".")[:2])
    return major, minor


def check_versions(installed: Callable[[str], str] = importlib.metadata.version) -> None:
    """Fail with a clear message when a library whose private parts we use is outside its tested range."""
    wrong = []
    for name, (low, high) in TESTED.items():
        found = installed(name)
        if not low <= _release(found) < high:
            wrong.append(f"{name} {found} (tested: >={low[0]}.{low[1]},<{high[0]}.{high[1]})")
    if wrong:
        raise UnsupportedVersionError(
            "servicekit relies on private parts of these libraries and was not tested with the installed "
            f"versions: {', '.join(wrong)}. Install a tested version, or update servicekit._compat and run its "
            "canary tests (libs/servicekit/tests/test_compat.py)."
        )


# --- aiokafka ---------------------------------------------------------------------------------------------


def set_fetch_max_wait(consumer: Any, ms: int) -> None:
    """The broker's wait for the consumer's next fetch: aiokafka reads it from its fetcher for every fetch
    request it builds (the public setting is fixed at construction)."""
    consumer._fetcher._fetch_max_wait_ms = ms


def fetch_max_wait_set(consumer: Any) -> int:
    """The wait the consumer's fetcher will put in its next fetch request."""
    return int(consumer._fetcher._fetch_max_wait_ms)


def fetch_max_wait_of(request: Any) -> int:
    """The wait a built fetch request carries (for the canary test of `set_fetch_max_wait`)."""
    return int(request._max_wait_ms)


async def wait_on_metadata(producer: Any, topic: str) -> None:
    """What `AIOKafkaProducer.send()` awaits before choosing a partition: the topic's partitions known."""
    await producer.client._wait_on_metadata(topic)


def partition_of(producer: Any, topic: str, key: bytes | None, value: bytes | None) -> int:
    """The partition `send()` would choose for this record (the producer's own partitioner)."""
    return int(producer._partition(topic, None, key, value, key, value))


# --- FastStream -------------------------------------------------------------------------------------------


def replace_batch_poll(subscriber: Any, get_msg: Callable[[Any], Awaitable[tuple[Any, ...]]]) -> None:
    """Have a FastStream batch subscriber poll its aiokafka consumer with `get_msg` instead of its own
    `get_msg`, which sleeps as long as its timeout after an empty poll."""
    subscriber.get_msg = get_msg


# --- SQLAlchemy (compiled statements, and the asyncpg adapter) --------------------------------------------


def needs_postcompile(compiled: Any) -> bool:
    return bool(getattr(compiled, "_render_postcompile", False))


def bind_processors(compiled: Any) -> dict[str, Callable[[Any], Any]]:
    return dict(compiled._bind_processors)


def result_columns(compiled: Any) -> list[Any]:
    """(key, name, objects, type) per result column of a compiled SELECT/RETURNING."""
    return list(compiled._result_columns or ())


def result_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    return type_._cached_result_processor(dialect, None)  # type: ignore[no-any-return]


def adapted_raw(adapted: Any) -> Any:
    """The asyncpg connection inside SQLAlchemy's adapted DBAPI connection."""
    return adapted._connection


def adapted_in_transaction(adapted: Any) -> bool:
    return adapted._transaction is not None


async def adapted_begin(adapted: Any) -> None:
    """Begin the adapted connection's transaction now (SQLAlchemy begins it lazily, at its first statement)."""
    if adapted._transaction is None:
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()


# --- faults the tests inject (no public call can make them) ------------------------------------------------


def stop_sender(producer: Any) -> None:
    """Stop an aiokafka producer's sender task without failing its batches: their futures stay pending."""
    producer._sender.sender_task.cancel()


def skip_sequence_numbers(producer: Any, tp: Any, count: int) -> None:
    """Advance an idempotent producer's sequence number for `tp` past what the broker expects, as aiokafka
    does itself when it fails a batch that already had its sequence numbers."""
    producer._txn_manager.increment_sequence_number(tp, count)


def kafka_client_of(consumer: Any) -> Any:
    """An aiokafka consumer's client (to watch the requests it sends)."""
    return consumer._client

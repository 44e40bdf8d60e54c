"""Faults to inject into a running platform (`tools.stack` processes on the local infrastructure): kill and
restart a service, pause one past its consumer session timeout, restart the Kafka broker or PostgreSQL, and
re-deliver messages by rewinding a consumer group's committed offsets."""

from __future__ import annotations

import asyncio
import signal
import subprocess

from aiokafka import AIOKafkaConsumer, TopicPartition

from servicekit.testing import infra_script_env
from tools.stack import REPO, Process

SESSION_TIMEOUT_SECONDS = 10  # FastStream's / aiokafka's default session.timeout.ms


async def kill_and_restart(process: Process) -> None:
    process.kill(signal.SIGKILL)
    process.start()
    await process.ready(timeout=90)


async def pause_past_session_timeout(process: Process, extra_seconds: float = 3) -> None:
    """SIGSTOP the process long enough for the broker to evict it from its group, then SIGCONT it."""
    process.send(signal.SIGSTOP)
    try:
        await asyncio.sleep(SESSION_TIMEOUT_SECONDS + extra_seconds)
    finally:
        process.send(signal.SIGCONT)
    await process.ready(timeout=90)


def _script(name: str, action: str) -> None:
    # The broker and database server of the tests, bench and chaos runs, never those `make up` runs.
    subprocess.run([str(REPO / "deploy" / "local" / name), action], check=True, cwd=REPO, env=infra_script_env())


async def restart_kafka(down_seconds: float = 0) -> None:
    """Stop the broker, keep it down `down_seconds`, start it again. Down longer than the producers' request
    timeout, aiokafka fails batches it has already numbered, putting idempotent producers out of step with the
    broker for good (servicekit.kafka.Producer replaces them)."""
    await asyncio.to_thread(_script, "kafka.sh", "stop")
    await asyncio.sleep(down_seconds)
    await asyncio.to_thread(_script, "kafka.sh", "start")


async def restart_postgres() -> None:
    await asyncio.to_thread(_script, "postgres.sh", "stop")
    await asyncio.to_thread(_script, "postgres.sh", "start")


async def rewind_offsets(process: Process, bootstrap: str, share: float = 0.3) -> int:
    """Stop the service (so its group is empty), move its committed offsets back by `share` of what each
    partition has consumed since the group started, restart it; returns how many records will be re-delivered."""
    process.kill(signal.SIGTERM)
    partitions = list(process.pinned)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=process.group, enable_auto_commit=False)
    await consumer.start()
    rewound = 0
    try:
        targets: dict[TopicPartition, int] = {}
        for tp in partitions:
            committed = await consumer.committed(tp)
            if committed is not None and committed > process.pinned[tp]:
                back = int((committed - process.pinned[tp]) * share)
                targets[tp] = committed - back
                rewound += back
        if targets:
            consumer.assign(list(targets))
            await consumer.commit(targets)
    finally:
        await consumer.stop()
    process.start()
    await process.ready(timeout=90)
    return rewound

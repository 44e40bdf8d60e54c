"""Waits until a Kafka broker really serves requests, not just accepts TCP connections.

A KRaft broker opens its port before it has caught up with the metadata log, so this asks
for the cluster description, the topic list and a group coordinator until all answer.

usage: kafka_ready.py BOOTSTRAP [TIMEOUT_SECONDS]
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient


async def _probe(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers") or cluster.get("controller_id", -1) < 0:
            raise RuntimeError(f"cluster not settled yet: {cluster}")
        await admin.list_topics()
        # Creates __consumer_offsets now rather than in the first test that joins a group.
        await admin.find_coordinator("local-infra-warmup")
    finally:
        await admin.close()


async def wait_ready(bootstrap: str, within: float) -> bool:
    deadline = time.monotonic() + within
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(_probe(bootstrap), timeout=10)
            return True
        except Exception as exc:  # every failure means "not yet": retry until the deadline
            last_error = exc
            await asyncio.sleep(0.5)
    print(f"kafka_ready: {bootstrap} not ready: {last_error!r}", file=sys.stderr)
    return False


def main() -> int:
    # aiokafka logs every refused connection at ERROR while the broker boots; that is expected.
    logging.basicConfig(level=logging.CRITICAL)
    bootstrap = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    return 0 if asyncio.run(wait_ready(bootstrap, timeout)) else 1


if __name__ == "__main__":
    sys.exit(main())

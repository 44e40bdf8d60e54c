"""Gauges sampled when /metrics is scraped, not kept up to date on the hot path: consumer lag per partition
(the group's end offsets less what this replica committed) and the outbox's depth and oldest unsent row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from servicekit import observability

if TYPE_CHECKING:
    from servicekit.runtime import Runtime

log = logging.getLogger(__name__)

_OUTBOX = text("SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox")
_TIMEOUT = 3.0


async def sample(runtime: Runtime[Any]) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(_outbox(runtime), _TIMEOUT)
    try:
        await asyncio.wait_for(_lag(runtime), _TIMEOUT)
    except Exception as exc:  # the broker away: the last figures stay
        log.debug("consumer lag not sampled: %r", exc)


async def _outbox(runtime: Runtime[Any]) -> None:
    async with runtime.db.transaction() as session:
        depth, oldest = (await session.execute(_OUTBOX)).one()
    service = runtime.settings.service_name
    observability.OUTBOX_DEPTH.labels(service).set(depth)
    observability.OUTBOX_OLDEST_SECONDS.labels(service).set(float(oldest))


async def _lag(runtime: Runtime[Any]) -> None:
    consumer = runtime.consumer
    if consumer is None:
        return
    group = runtime.settings.group_id
    assigned = sorted(consumer.assignment())
    ends = await consumer.end_offsets(assigned) if assigned else {}
    seen: set[tuple[str, str, str]] = set()
    for tp in assigned:
        done = runtime.offsets.committed.get(tp)
        if done is None:
            done = await consumer.committed(tp) or 0
        labels = (group, tp.topic, str(tp.partition))
        observability.CONSUMER_LAG.labels(*labels).set(max(0, ends[tp] - done))
        seen.add(labels)
    for labels in runtime.lag_series - seen:  # partitions this replica no longer owns
        with contextlib.suppress(KeyError):
            observability.CONSUMER_LAG.remove(*labels)
    runtime.lag_series = seen

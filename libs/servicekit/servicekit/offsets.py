"""Consumer offsets, committed after the database and in the background.

A batch's offsets become committable once `process_batch` returned, i.e. once every record's transaction has
committed (or the record was dead-lettered). They are committed every `interval` seconds rather than after
each batch: a commit is a broker round trip and a write to `__consumer_offsets`, and one per batch cost ≈ 10 %
of the platform's throughput. The price is redelivery: a crash (or a rebalance) re-reads at most one interval
of records, which the inbox turns into no-ops, as it does for any redelivery. A batch that raised is not
committed: each of its partitions is sought back to its first record and fetched again.

With an interval of 0 the offsets are committed after every batch, before the next one is fetched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

log = logging.getLogger(__name__)


class OffsetCommitter:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self.commits = 0
        self.committed: dict[TopicPartition, int] = {}  # the last offset committed per partition (metrics)

    def processed(self, consumer: AIOKafkaConsumer, records: Iterable[ConsumerRecord[Any, Any]]) -> None:
        """The records' transactions have committed: their offsets may be committed."""
        self._consumer = consumer
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if r.offset + 1 > self._pending.get(tp, -1):
                self._pending[tp] = r.offset + 1

    @staticmethod
    def rewind(consumer: AIOKafkaConsumer, records: Iterable[ConsumerRecord[Any, Any]]) -> None:
        """A batch failed: seek each of its partitions back to its first record, so it is fetched again."""
        earliest: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if r.offset < earliest.get(tp, r.offset + 1):
                earliest[tp] = r.offset
        assigned = consumer.assignment()
        for tp, offset in earliest.items():
            if tp in assigned:
                consumer.seek(tp, offset)

    @property
    def pending(self) -> int:
        """Partitions with processed offsets not yet committed."""
        return len(self._pending)

    async def flush(self) -> dict[TopicPartition, int]:
        """Commit what has been processed, for the partitions this consumer still owns; what was committed."""
        consumer = self._consumer
        if consumer is None or not self._pending:
            return {}
        offsets, self._pending = self._pending, {}
        assigned = consumer.assignment()
        # A partition a rebalance took away is re-read by its new owner from the last commit (the inbox drops
        # what was already done); committing it from here would fail.
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not offsets:
            return {}
        try:
            await consumer.commit(offsets)
            self.commits += 1
            self.committed.update(offsets)
            return offsets
        except Exception as exc:  # the broker away, or the group rebalancing: kept for the next try
            log.info("offset commit failed, kept for the next one: %r", exc)
            assigned = consumer.assignment()
            for tp, offset in offsets.items():
                if tp in assigned and offset > self._pending.get(tp, -1):
                    self._pending[tp] = offset
            return {}

    async def run(self) -> None:
        """Commit every `interval` seconds until cancelled (with interval 0 the consumer commits per batch)."""
        if self.interval <= 0:
            return
        while True:
            await asyncio.sleep(self.interval)
            with contextlib.suppress(Exception):
                await self.flush()

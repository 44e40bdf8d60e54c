"""What a replica does while its consumer group rebalances (a replica added, stopped or lost): before it gives
up its partitions it lets the batch in flight finish and commits what it processed, so the next owner starts
where it stopped instead of re-reading (a SIGKILLed replica cannot: then the inbox turns the re-reads into
no-ops); until it has its new partitions it reports itself not ready (`/health/ready` answers 503)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiokafka import ConsumerRebalanceListener, TopicPartition

from servicekit import observability

if TYPE_CHECKING:
    from servicekit.offsets import OffsetCommitter

log = logging.getLogger(__name__)


class InFlight:
    """The batch the consumer is processing, if any: something to wait for before partitions move or the
    process stops; and, once `draining`, no new batch is started."""

    def __init__(self) -> None:
        self._idle = asyncio.Event()
        self._idle.set()
        self.draining = False

    def begin(self) -> None:
        self._idle.clear()

    def end(self) -> None:
        self._idle.set()

    async def finished(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class Rebalancing(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, group: str, in_flight: InFlight, offsets: OffsetCommitter, timeout: float = 30.0) -> None:
        self.group = group
        self._in_flight = in_flight
        self._offsets = offsets
        self._timeout = timeout
        self.active = True  # until the first assignment: not ready
        self.assigned: set[TopicPartition] = set()
        observability.REBALANCING.labels(group).set(1)

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.active = True
        observability.REBALANCING.labels(self.group).set(1)
        if not revoked:
            return
        if not await self._in_flight.finished(self._timeout):
            log.warning("a batch still in flight after %.0fs while partitions are revoked", self._timeout)
        await self._offsets.flush()  # the partitions are still ours until this returns

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.assigned = set(assigned)
        self.active = False
        observability.REBALANCING.labels(self.group).set(0)
        observability.CONSUMER_ASSIGNED.labels(self.group).set(len(assigned))

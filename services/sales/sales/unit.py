"""A unit of work: one transaction, the time it happens at, who acts, and the messages it emits.

Messages are collected and written to the outbox in ONE multi-row insert when the unit ends, in the same
transaction as the state change (fewer round trips on the saga's hot path than one insert per message)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Envelope, Message
from sales.config import SalesRuntime, SalesSettings
from servicekit.consumer import HandlerContext
from servicekit.outbox import Outbox


@dataclass
class Tx:
    session: AsyncSession
    settings: SalesSettings
    now: datetime
    # The runtime's outbox (it wakes this process's relay): writes the rows now, or with the consumer batch's
    # deferred rows.
    outbox: Outbox
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    messages: list[Message] = field(default_factory=list)
    # The order a consumer batch read ahead for this handler (a sales.store.Loaded), used by its first `load`.
    preloaded: Any = None

    def publish(self, message: Message) -> None:
        self.messages.append(message)

    def take(self) -> list[tuple[Message, Envelope]]:
        """The messages published so far, wrapped, for a statement that writes them itself; no longer pending."""
        items = [
            (
                message,
                Envelope.wrap(
                    message,
                    producer=self.settings.service_name,
                    correlation_id=self.correlation_id,
                    causation_id=self.causation_id,
                ),
            )
            for message in self.messages
        ]
        self.messages.clear()
        return items

    async def flush(self) -> None:
        if self.messages:
            await self.outbox.write(self.session, self.take())

    @classmethod
    def of_handler(cls, ctx: HandlerContext, settings: SalesSettings) -> Tx:
        return cls(
            ctx.session,
            settings,
            ctx.clock.now(),
            ctx.outbox,
            correlation_id=ctx.envelope.correlation_id,
            causation_id=str(ctx.envelope.event_id),
        )


@asynccontextmanager
async def unit_of(session: AsyncSession, runtime: SalesRuntime, actor: str | None = None) -> AsyncIterator[Tx]:
    """A unit inside an open transaction (API use cases, scheduler ticks); flushes its messages at the end."""
    tx = Tx(session, runtime.settings, runtime.clock.now(), runtime.outbox, actor=actor)
    yield tx
    await tx.flush()

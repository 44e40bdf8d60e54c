"""The unit of work every use case runs in: one transaction (`session`), the service's own settings (typed), the
time the use case happens at (`now`, from the runtime's clock, which tests control), who acts (`actor`; None for
a consumer or a job), the messages it emits (`publish`), and what its consumer batch shares (`batch`).

Messages are collected and written to the outbox when the unit ends (`flush`), in the transaction of the state
change: one multi-row insert per unit from the API, and with the consumer batch's deferred outbox rows (one
insert per batch) from a consumer. A statement that writes the unit's messages itself takes them (`take`), so the
state change and its messages go in one round trip. Writes whose result nobody reads are deferred through
`servicekit.fastsql.Statement.defer` on `unit.session` (sent with the batch's next statement). Its messages are in
the unit's flow (`correlation_id`: a consumer's carries its message's on; none from the API, so each message is
correlated by its key), caused by the unit's message (`causation_id`); one in another flow names its own
(`publish(message, correlation_id=…)`: a backorder served by a stock event is its order's).

`Batch` is what a consumer batch's transaction carries beside the session, in place of string keys in
`session.info`: what the batch's preparation read ahead for its handlers (`put`, handed per key by the consumer,
`take`n once by the handler of the first message about that key), and typed slots (`Slot`) for the marks a
preparation leaves for its handlers (the orders it locked, the rows it recorded)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Envelope, Message
from servicekit.config import ServiceSettings
from servicekit.outbox import Outbox

if TYPE_CHECKING:
    from servicekit.consumer import HandlerContext
    from servicekit.runtime import Runtime

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")

MISSING: Any = object()  # what `Batch.take` returns when nothing was handed
_BATCH = "servicekit.batch"  # the one key servicekit keeps a transaction's Batch under


class Slot(Generic[T]):
    """A typed place in a batch for one kind of mark (`batch.get(slot)`, `batch.setdefault(slot, factory)`)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class Batch:
    """What a consumer batch's handlers share in its transaction (see the module's docstring). Outside a batch (an
    API request, a message handled on its own) it is empty and stays so: nothing is read ahead."""

    __slots__ = ("_ahead", "_handed", "_slots")

    def __init__(self) -> None:
        self._ahead: dict[str, dict[Any, Any]] = {}
        self._handed: dict[str, tuple[Any, Any]] = {}
        self._slots: dict[Slot[Any], Any] = {}

    @staticmethod
    def of(session: AsyncSession) -> Batch:
        """The batch of this transaction (created empty on first use)."""
        batch: Batch | None = session.info.get(_BATCH)
        if batch is None:
            batch = session.info[_BATCH] = Batch()
        return batch

    def put(self, kind: str, values: dict[Any, Any]) -> None:
        """Read ahead for the batch's handlers: `values` by key (an order number, a customer code)."""
        self._ahead.setdefault(kind, {}).update(values)

    def hand_over(self, key: Any) -> None:
        """Before a handler (the consumer calls it): hand it the entries of its message's key, taking them off the
        batch's; a second message about the key reads afresh. A message about no particular key (None) may change
        anything: everything read ahead is dropped."""
        handed: dict[str, tuple[Any, Any]] = {}
        for kind, values in self._ahead.items():
            if key is None:
                values.clear()
            elif key in values:
                handed[kind] = (key, values.pop(key))
        self._handed = handed

    def take(self, kind: str, key: Any) -> Any:
        """What was read ahead of `kind` for `key` and handed to this handler (once), or `MISSING`."""
        handed = self._handed.get(kind)
        if handed is None or handed[0] != key:
            return MISSING
        del self._handed[kind]
        return handed[1]

    def get(self, slot: Slot[T]) -> T | None:
        return self._slots.get(slot)

    def set(self, slot: Slot[T], value: T) -> None:
        self._slots[slot] = value

    def setdefault(self, slot: Slot[T], factory: Callable[[], T]) -> T:
        found = self._slots.get(slot)
        if found is None:
            found = self._slots[slot] = factory()
        return found


@dataclass(slots=True)
class Unit(Generic[S]):
    session: AsyncSession
    settings: S
    now: datetime
    # The runtime's outbox (it wakes this process's relay): writes the messages now, or with the consumer batch's
    # deferred rows.
    outbox: Outbox
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    messages: list[Message] = field(default_factory=list)
    # Messages published with a correlation of their own (by id, the message kept so its id stays its own).
    _correlated: dict[int, tuple[Message, str]] = field(default_factory=dict, init=False, repr=False)

    @property
    def batch(self) -> Batch:
        return Batch.of(self.session)

    def publish(self, message: Message, *, correlation_id: str | None = None) -> None:
        """Emit `message` in this unit's transaction (written when the unit ends, or taken by a statement). A
        `correlation_id` puts it in a flow other than the unit's (a backorder served by a stock event belongs to
        its order's flow)."""
        self.messages.append(message)
        if correlation_id is not None:
            self._correlated[id(message)] = (message, correlation_id)

    def take(self) -> list[tuple[Message, Envelope]]:
        """The messages published so far, wrapped, for a statement that writes them itself; no longer pending."""
        items = [
            (
                message,
                Envelope.wrap(
                    message,
                    producer=self.outbox.producer,
                    correlation_id=self._correlation_of(message),
                    causation_id=self.causation_id,
                ),
            )
            for message in self.messages
        ]
        self.messages.clear()
        self._correlated.clear()
        return items

    def _correlation_of(self, message: Message) -> str | None:
        if self._correlated:
            own = self._correlated.get(id(message))
            if own is not None and own[0] is message:
                return own[1]
        return self.correlation_id

    async def flush(self) -> None:
        if self.messages:
            await self.outbox.write(self.session, self.take())

    @classmethod
    def of_handler(cls, ctx: HandlerContext, settings: S) -> Unit[S]:
        """The unit of a consumer's handler: caused by the incoming message (its correlation id carried on)."""
        return cls(
            ctx.session,
            settings,
            ctx.clock.now(),
            ctx.outbox,
            correlation_id=ctx.envelope.correlation_id,
            causation_id=str(ctx.envelope.event_id),
        )


UseCase = Callable[[Unit[S], Any], Awaitable[None]]


def bound(settings: S, use_case: UseCase[S]) -> Callable[[HandlerContext, Any], Awaitable[None]]:
    """A consumer's handler running `use_case(unit, message)` in its unit of work, then writing what it published."""

    async def handle(ctx: HandlerContext, message: Any) -> None:
        unit = Unit.of_handler(ctx, settings)
        await use_case(unit, message)
        await unit.flush()

    handle.__name__ = f"on_{getattr(use_case, '__name__', 'message')}"
    return handle


@asynccontextmanager
async def unit_of(session: AsyncSession, runtime: Runtime[S], actor: str | None = None) -> AsyncIterator[Unit[S]]:
    """A unit inside an open transaction (API use cases, scheduler ticks); writes its messages at the end."""
    unit = Unit(session, runtime.settings, runtime.clock.now(), runtime.outbox, actor=actor)
    yield unit
    await unit.flush()

"""One use case's transaction (`Tx`): the session, the clock, and how it emits messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from servicekit.clock import Clock
from servicekit.consumer import HandlerContext
from servicekit.runtime import Runtime


@dataclass(frozen=True)
class Tx:
    """One use case's transaction: the session, the clock, and how to emit a message in that transaction
    (the outbox from the API; `HandlerContext.publish` in consumers, which carries correlation ids)."""

    session: AsyncSession
    clock: Clock
    publish: Callable[[Message], Awaitable[object]]

    @classmethod
    def of_runtime(cls, session: AsyncSession, runtime: Runtime) -> Tx:
        return cls(session, runtime.clock, partial(runtime.outbox.add, session))

    @classmethod
    def of_handler(cls, ctx: HandlerContext) -> Tx:
        return cls(ctx.session, ctx.clock, ctx.publish)

"""Small helpers shared by the API modules: schema types, row → JSON, the actor of a request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from servicekit.clock import Clock
from servicekit.consumer import HandlerContext
from servicekit.runtime import Runtime

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Qty = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]
Pct = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


def jsonable(row: Any) -> dict[str, Any] | None:
    """A row (mapping) as JSON-safe values, for the audit log."""
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if isinstance(value, Decimal | date | datetime):
            out[key] = str(value)
        else:
            out[key] = value
    return out


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

"""Use cases: each runs inside the one transaction it is given (a consumer's or an API request's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message

Publish = Callable[[Message], Awaitable[Any]]


@dataclass(frozen=True)
class Ctx:
    """A transaction, a way to emit messages in it (outbox), and the time of the use case."""

    session: AsyncSession
    publish: Publish
    now: datetime

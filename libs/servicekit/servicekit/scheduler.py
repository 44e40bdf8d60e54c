"""Periodic jobs (saga deadlines, overdue scans, dunning, time-based alert rules) that are safe with several
replicas: each tick runs in one transaction holding a transaction-level advisory lock named after the job,
so while one replica runs a tick the others skip it. What a tick has already done must be recorded in its
own tables (e.g. `overdue_alerted_at`), so a later tick does not do it again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.config import ServiceSettings

if TYPE_CHECKING:
    from servicekit.runtime import BackgroundJob, Runtime

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)
# One tick of a job: the service's runtime (typed by its settings) and the tick's transaction.
Tick = Callable[["Runtime[S]", AsyncSession], Awaitable[None]]


async def run_once(runtime: Runtime[S], name: str, tick: Tick[S]) -> bool:
    """Run one tick now if no other replica is running it; True if it ran. Tests call this directly."""
    async with runtime.db.transaction() as session:
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": f"job:{name}"}
        )
        if not locked:
            return False
        await tick(runtime, session)
        return True


def periodic(name: str, every_seconds: float, tick: Tick[S]) -> BackgroundJob[S]:
    """A background job for `ServiceDefinition.background` running `tick` every `every_seconds`."""

    async def loop(runtime: Runtime[S]) -> None:
        while True:
            try:
                await run_once(runtime, name, tick)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic job %s failed; retrying next tick", name)
            await asyncio.sleep(every_seconds)

    loop.__name__ = name
    return loop

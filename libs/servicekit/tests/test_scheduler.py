"""Periodic jobs (saga deadlines, overdue scans, dunning, time rules) have one owner at a time across replicas:
two replicas (two engines on one database, as two processes would have) tick the same job; while one tick runs
the other replica skips its own, and a different job is not held up by it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import Database
from servicekit.runtime import Runtime
from servicekit.scheduler import run_once

pytestmark = pytest.mark.integration


async def test_a_tick_in_progress_on_one_replica_makes_the_others_skip_it(database_url: str) -> None:
    replicas = [Database(database_url, pool_size=2), Database(database_url, pool_size=2)]
    first, second = (cast(Runtime, SimpleNamespace(db=db)) for db in replicas)
    started, release = asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def slow_tick(runtime: Any, session: AsyncSession) -> None:
        ran.append("first")
        started.set()
        await release.wait()

    async def tick(runtime: Any, session: AsyncSession) -> None:
        ran.append("second")

    try:
        holding = asyncio.create_task(run_once(first, "saga-deadlines", slow_tick))
        await asyncio.wait_for(started.wait(), 10)
        assert await run_once(second, "saga-deadlines", tick) is False  # skipped: the other replica runs it
        assert await run_once(second, "dunning", tick) is True  # another job is not held up
        release.set()
        assert await holding is True
        assert await run_once(second, "saga-deadlines", tick) is True  # the lock ended with the tick's transaction
        assert ran == ["first", "second", "second"]
    finally:
        release.set()
        for db in replicas:
            await db.engine.dispose()
            await db.allocator.dispose()

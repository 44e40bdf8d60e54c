"""A handler that waits for an order's lock reads the saga row as the writer it waited for committed it, not as it
was before: `FOR UPDATE OF orders` alone returned the committed order with the saga row of its old snapshot, and the
saga-deadline job then saved that stale saga over a compensation (order rejected, saga still active: the chaos run's
invariant "saga state agrees with the order")."""

from __future__ import annotations

import asyncio

import pytest
from sales_testkit import Harness
from sqlalchemy import text, update

from sales.db import sagas
from sales.store import _READ_LOCKED
from servicekit.testing import eventually

pytestmark = pytest.mark.integration


async def test_a_locked_read_after_waiting_sees_the_saga_the_writer_committed(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    db = sales.runtime.db
    async with db.transaction() as writer:
        first = await _READ_LOCKED.fetchrow(writer, order_no=no)
        assert first is not None

        async def reader() -> int:
            async with db.transaction() as s:
                row = await _READ_LOCKED.fetchrow(s, order_no=no)
                return int(row["saga_attempts"])

        waiting = asyncio.create_task(reader())

        async def blocked() -> bool:
            async with db.transaction() as s:
                n = await s.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                )
                return bool(n)

        await eventually(blocked, timeout=10)  # the reader waits for the writer's lock
        await writer.execute(update(sagas).where(sagas.c.order_no == no).values(attempts=first["saga_attempts"] + 7))
    assert await asyncio.wait_for(waiting, 10) == first["saga_attempts"] + 7

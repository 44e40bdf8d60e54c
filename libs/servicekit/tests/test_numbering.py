"""Document numbers on the real database: unique under concurrency, per year, continuing from a seeded counter,
and allocated outside the caller's transaction (a rollback leaves a gap, never a duplicate)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from kitapp import app as kitapp
from kitapp.fixtures import migrate
from sqlalchemy import insert, text

from servicekit.db import Database
from servicekit.fastsql import Statement
from servicekit.numbering import NUMBER_SQL, next_number, number_params, take_number

pytestmark = pytest.mark.integration
AT = datetime(2026, 3, 1, tzinfo=UTC)


async def test_numbers_are_unique_and_increasing_under_concurrency(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url, pool_size=8)
    try:

        async def one() -> str:
            async with db.transaction() as s:
                return await next_number(s, kitapp.kit, "SO", AT)

        numbers = await asyncio.gather(*(one() for _ in range(60)))
        assert len(set(numbers)) == 60
        assert sorted(numbers) == [f"SO-2026-{n:06d}" for n in range(1, 61)]
        async with db.transaction() as s:  # another type and another year count on their own
            assert await next_number(s, kitapp.kit, "DO", AT) == "DO-2026-000001"
            assert await next_number(s, kitapp.kit, "SO", datetime(2027, 1, 1, tzinfo=UTC)) == "SO-2027-000001"
            assert await next_number(s, kitapp.kit, "SO", AT) == "SO-2026-000061"
    finally:
        await db.dispose()


async def test_numbering_continues_after_a_seeded_counter(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            await s.execute(insert(kitapp.kit.document_sequences).values(prefix="INV", year=2026, last_value=41))
        async with db.transaction() as s:
            assert await next_number(s, kitapp.kit, "INV", AT) == "INV-2026-000042"
    finally:
        await db.dispose()


async def test_a_rolled_back_transaction_leaves_a_gap_not_a_duplicate(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                assert await next_number(s, kitapp.kit, "PO", AT) == "PO-2026-000001"
                raise RuntimeError("the business transaction fails")
        async with db.transaction() as s:
            assert await next_number(s, kitapp.kit, "PO", AT) == "PO-2026-000002"
        with pytest.raises(ValueError):
            async with db.transaction() as s:
                await next_number(s, kitapp.kit, "XX", AT)
    finally:
        await db.dispose()


async def test_the_sql_expression_numbers_as_next_number_does_from_the_same_sequence(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    in_sql = Statement(text(f"SELECT {NUMBER_SQL}"))
    try:
        async with db.transaction() as s:  # a type first numbered in SQL
            assert await in_sql.fetchval(s, **await number_params(s, "ST", AT)) == "ST-2026-000001"
            assert await next_number(s, kitapp.kit, "ST", AT) == "ST-2026-000002"
        async with db.transaction() as s:
            await s.execute(insert(kitapp.kit.document_sequences).values(prefix="CN", year=2026, last_value=999998))
        async with db.transaction() as s:  # past six digits, neither cuts the number
            numbers = [
                await next_number(s, kitapp.kit, "CN", AT),
                await in_sql.fetchval(s, **await number_params(s, "CN", AT)),
                await next_number(s, kitapp.kit, "CN", AT),
            ]
        assert numbers == ["CN-2026-999999", "CN-2026-1000000", "CN-2026-1000001"]
    finally:
        await db.dispose()


async def test_numbers_drawn_ahead_are_unique_increasing_and_leave_a_gap_not_a_duplicate(database_url: str) -> None:
    """`take_number` hands out numbers drawn a block at a time: unique under concurrency and increasing in the
    order handed out; `next_number` (and a new process) continue after the drawn block, so what a process did not
    hand out is a gap, never a duplicate."""
    await migrate(database_url)
    db = Database(database_url, pool_size=8)
    try:

        async def one() -> str:
            async with db.autocommit() as s:
                return await take_number(s, "SO", AT, block=16)

        numbers = await asyncio.gather(*(one() for _ in range(40)))
        assert sorted(numbers) == [f"SO-2026-{n:06d}" for n in range(1, 41)]  # three blocks drawn: 1-48
        async with db.transaction() as s:
            assert await next_number(s, kitapp.kit, "SO", AT) == "SO-2026-000049"
            assert await take_number(s, "SO", AT, block=16) == "SO-2026-000041"  # the drawn block goes on
            assert await take_number(s, "SO", datetime(2027, 1, 2, tzinfo=UTC)) == "SO-2027-000001"
    finally:
        await db.dispose()
    other = Database(database_url)  # another process: its own block, after everything drawn so far
    try:
        async with other.autocommit() as s:
            assert await take_number(s, "SO", AT, block=16) == "SO-2026-000050"
    finally:
        await other.dispose()

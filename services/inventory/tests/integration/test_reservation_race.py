"""No oversell under concurrency, on the real database: many reservation transactions race for the last
units at once (the handler is called directly, each call in its own transaction and connection)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aiokafka.structs import ConsumerRecord
from inventory_testkit import now, order_no, uid
from sqlalchemy import func, select, text

from contracts import Envelope
from contracts.common import StockLine
from contracts.sales import ReserveStock
from inventory.config import InventoryRuntime, InventorySettings
from inventory.consumers import build
from inventory.db import kit, reservations, stock
from inventory.handlers import adjustments, catalog
from inventory.handlers.reservations import reserve_stock
from inventory.main import MIGRATIONS, definition
from servicekit.consumer import HandlerContext, MessageProcessor
from servicekit.migrations import upgrade_to_head
from servicekit.testing import Infra
from servicekit.unit import bound, unit_of

pytestmark = pytest.mark.integration


@pytest.fixture
async def runtime(infra: Infra, database_url: str) -> AsyncIterator[InventoryRuntime]:
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, database_url)
    rt = InventoryRuntime(definition(), InventorySettings(database_url=database_url, db_pool_size=20))
    yield rt
    await rt.db.dispose()


async def seed(rt: InventoryRuntime, wh: str, stock_by_sku: dict[str, int]) -> None:
    async with rt.db.transaction() as s, unit_of(s, rt, "seed") as unit:
        await catalog.save_warehouse(unit, "seed", wh, wh)
        for sku, qty in stock_by_sku.items():
            await catalog.save_product(unit, "seed", catalog.ProductData(sku, sku, "pcs"), create=True)
            adj = adjustments.Adjustment(sku, wh, Decimal(qty), "opening_balance", unit_cost=Decimal("5"))
            await adjustments.adjust_stock(unit, "seed", adj, opening=True)


async def reserve_in_own_transaction(rt: InventoryRuntime, cmd: ReserveStock) -> None:
    async with rt.db.transaction() as session:
        env = Envelope.wrap(cmd, producer="sales")
        await bound(rt.settings, reserve_stock)(HandlerContext(session, env, rt.outbox, rt.clock), cmd)


async def replies(rt: InventoryRuntime, message_type: str) -> int:
    async with rt.db.transaction() as s:
        query = select(func.count()).select_from(kit.outbox).where(kit.outbox.c.message_type == message_type)
        return int(await s.scalar(query) or 0)


async def reserved(rt: InventoryRuntime, sku: str) -> tuple[Decimal, Decimal, Decimal]:
    async with rt.db.transaction() as s:
        row = (await s.execute(select(stock.c.on_hand, stock.c.reserved).where(stock.c.sku == sku))).one()
        held = await s.scalar(select(func.sum(reservations.c.qty)).where(reservations.c.sku == sku))
    return row.on_hand, row.reserved, Decimal(held or 0)


def command(*skus: str) -> ReserveStock:
    lines = [StockLine(line_no=i, sku=sku, qty=Decimal(1)) for i, sku in enumerate(skus, start=1)]
    return ReserveStock(order_no=order_no(), lines=lines, placed_at=now())


async def test_thirty_orders_race_for_ten_units(runtime: InventoryRuntime) -> None:
    wh, sku = uid("WH"), uid("HOT")
    await seed(runtime, wh, {sku: 10})
    await asyncio.gather(*(reserve_in_own_transaction(runtime, command(sku)) for _ in range(30)))
    assert await replies(runtime, "StockReserved") == 10
    assert await replies(runtime, "StockReservationFailed") == 20
    assert await reserved(runtime, sku) == (10, 10, 10)


async def test_orders_locking_skus_in_opposite_orders_do_not_deadlock(runtime: InventoryRuntime) -> None:
    wh, a, b = uid("WH"), uid("A"), uid("B")
    await seed(runtime, wh, {a: 7, b: 7})
    cmds = [command(a, b) if i % 2 else command(b, a) for i in range(24)]
    # Any deadlock or constraint violation would raise out of gather.
    await asyncio.gather(*(reserve_in_own_transaction(runtime, c) for c in cmds))
    assert await replies(runtime, "StockReserved") == 7
    assert await reserved(runtime, a) == (7, 7, 7)
    assert await reserved(runtime, b) == (7, 7, 7)


class NoDeadLetters:
    async def send(self, *_: object) -> None:
        raise AssertionError("nothing here may be dead-lettered")


def record(cmd: ReserveStock, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = Envelope.wrap(cmd, producer="sales").model_dump_json().encode()
    return ConsumerRecord("inventory.commands", 0, offset, 0, 0, cmd.order_no.encode(), value, None, 0, len(value), ())


async def test_a_batch_locks_its_headers_at_once_and_a_repeated_command_reserves_once(
    runtime: InventoryRuntime,
) -> None:
    wh, sku = uid("WH"), uid("SKU")
    await seed(runtime, wh, {sku: 5})
    first, second = command(sku), command(sku)
    processor = MessageProcessor(
        consumer="inventory",
        handlers=build(runtime.settings),
        db=runtime.db,
        tables=kit,
        outbox=runtime.outbox,
        clock=runtime.clock,
        dead_letters=NoDeadLetters(),  # type: ignore[arg-type]
    )
    # The same order's command twice (a re-send: another event), and another order's, in one batch.
    batch = [record(first, 1), record(second, 2), record(first, 3)]
    assert await processor.process_batch(batch) == ["processed"] * 3
    assert await reserved(runtime, sku) == (5, 2, 2)
    assert await replies(runtime, "StockReserved") == 3  # the re-sent command is answered again, reserving nothing
    async with runtime.db.transaction() as s:
        xmins = await s.execute(
            text("SELECT DISTINCT xmin::text FROM order_reservations WHERE order_no IN (:a, :b)"),
            {"a": first.order_no, "b": second.order_no},
        )
        assert len(xmins.all()) == 1, "the batch was handled one by one, not as one group"

"""A consumer batch reads ahead, in one statement each, the reservation rows and existing outbound orders of the
orders its messages are about; each message still sees what the messages before it in the batch did."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiokafka.structs import ConsumerRecord
from inventory_testkit import Inventory, order_confirmed, order_no, reserve_cmd, uid
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from contracts.sales import ReleaseStock

pytestmark = pytest.mark.integration


def record(message: Message, offset: int) -> ConsumerRecord[bytes, bytes]:
    env = Envelope.wrap(message, producer="sales")
    value = env.model_dump_json().encode()
    return ConsumerRecord(topic_of(message).name, 0, offset, 0, 0, env.key.encode(), value, None, 0, len(value), ())


async def test_an_order_reserved_and_confirmed_in_one_batch_gets_its_outbound_order(inv: Inventory) -> None:
    sku, wh = uid("SKU"), "WH1"
    await inv.seed(wh, {sku: 10})
    before, within = order_no(), order_no()
    processor = inv.runtime.processor
    assert processor is not None
    assert await processor.process_batch([record(reserve_cmd(before, (sku, 3)), 1)]) == ["processed"]
    # `within` is reserved and confirmed in the same batch: its confirmation must find the rows the reservation
    # before it wrote, not the none there were when the batch read ahead.
    batch = [
        record(reserve_cmd(within, (sku, 2)), 2),
        record(order_confirmed(before, [(sku, 3)]), 3),
        record(order_confirmed(within, [(sku, 2)]), 4),
    ]
    assert await processor.process_batch(batch) == ["processed"] * 3
    async with inv.runtime.db.transaction() as s:
        rows = await s.execute(
            text(
                "SELECT o.order_no, l.sku, l.qty, o.xmin::text FROM outbound_orders o"
                " JOIN outbound_lines l ON l.do_no = o.do_no WHERE o.order_no IN (:a, :b) ORDER BY o.order_no"
            ),
            {"a": before, "b": within},
        )
        found = rows.all()
    assert sorted((r[0], r[1], r[2]) for r in found) == sorted([(before, sku, Decimal(3)), (within, sku, Decimal(2))])
    assert len({r[3] for r in found}) == 1, "the batch was handled one by one, not as one group"
    assert (await inv.stock(sku, wh))["reserved"] == 5


async def test_a_batch_locks_its_stock_rows_at_once_and_each_reservation_sees_the_ones_before_it(
    inv: Inventory,
) -> None:
    """The batch locks and reads ahead the stock rows of its reservations' skus; the first reservation of a sku
    uses them, later ones (and a reservation after a release of the sku) read what the batch wrote since. Read
    ahead by every reservation, the second of `contended` would oversell it and the one after the release would
    not see the released stock."""
    contended, freed, alone, wh = uid("SKU"), uid("SKU"), uid("SKU"), "WH1"
    await inv.seed(wh, {contended: 10, freed: 4, alone: 3})
    holder = order_no()
    processor = inv.runtime.processor
    assert processor is not None
    assert await processor.process_batch([record(reserve_cmd(holder, (freed, 4)), 1)]) == ["processed"]
    first, second, after_release, single = order_no(), order_no(), order_no(), order_no()
    batch = [
        record(reserve_cmd(first, (contended, 6)), 2),
        record(reserve_cmd(second, (contended, 5)), 3),  # 6 + 5 > 10: refused, nothing held
        record(ReleaseStock(order_no=holder, reason="cancelled"), 4),
        record(reserve_cmd(after_release, (freed, 4)), 5),  # the 4 released just before
        record(reserve_cmd(single, (alone, 3), (contended, 4)), 6),  # 6 + 4 = 10: fits exactly
    ]
    assert await processor.process_batch(batch) == ["processed"] * 5
    async with inv.runtime.db.transaction() as s:
        rows = await s.execute(
            text("SELECT order_no, sku, qty, xmin::text FROM reservations WHERE order_no = ANY(:o)"),
            {"o": [first, second, after_release, single]},
        )
        found = rows.all()
    assert sorted((r[0], r[1], r[2]) for r in found) == sorted(
        [(first, contended, 6), (after_release, freed, 4), (single, alone, 3), (single, contended, 4)]
    )
    assert len({r[3] for r in found}) == 1, "the batch was handled one by one, not as one group"
    assert [(await inv.stock(sku, wh))["available"] for sku in (contended, freed, alone)] == [0, 0, 0]

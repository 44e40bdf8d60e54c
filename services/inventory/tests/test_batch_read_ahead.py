"""A consumer batch reads ahead, in one statement each, the reservation rows and existing outbound orders of the
orders its messages are about; each message still sees what the messages before it in the batch did."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiokafka.structs import ConsumerRecord
from inventory_testkit import Inventory, order_confirmed, order_no, reserve_cmd, uid
from sqlalchemy import text

from contracts import Envelope, Message, topic_of

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

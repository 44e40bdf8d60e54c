"""A consumer batch reads the orders its replies are about in one statement before its handlers run; each
message still sees what the messages before it in the batch did to its order."""

from __future__ import annotations

import pytest
from aiokafka.structs import ConsumerRecord
from sales_testkit import D, Harness, approved, doc, now, reserved
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from contracts.common import StockLine
from contracts.inventory import OutboundOrderCreated

pytestmark = pytest.mark.integration


def record(message: Message, producer: str, offset: int) -> ConsumerRecord[bytes, bytes]:
    env = Envelope.wrap(message, producer=producer)
    value = env.model_dump_json().encode()
    return ConsumerRecord(topic_of(message).name, 0, offset, 0, 0, env.key.encode(), value, None, 0, len(value), ())


async def test_a_batch_with_two_replies_for_one_order_moves_it_twice(sales: Harness) -> None:
    customer = await sales.customer()
    first, second = await sales.place(customer), await sales.place(customer)
    for order in (first, second):
        await sales.wait_published(order["order_no"], "ReserveStock")
    # `first` reserved and approved in the same batch: the approval must find the order awaiting credit (as the
    # reservation before it left it), not reserving (as it was read ahead).
    # And `second`'s outbound order, notified twice (two events): one shipment row, written before the handlers.
    do_no = doc("DO")
    created = OutboundOrderCreated(
        do_no=do_no,
        order_no=second["order_no"],
        warehouse_code="WH1",
        lines=[StockLine(line_no=x["line_no"], sku=x["sku"], qty=D(x["qty"])) for x in second["lines"]],
        priority=5,
        created_at=now(),
    )
    batch = [
        record(reserved(first), "inventory", 1),
        record(created, "inventory", 2),
        record(reserved(second), "inventory", 3),
        record(approved(first), "finance", 4),
        record(created, "inventory", 5),
    ]
    assert sales.runtime.processor is not None
    assert await sales.runtime.processor.process_batch(batch) == ["processed"] * 5
    assert (await sales.detail(first["order_no"]))["status"] == "confirmed"
    assert (await sales.detail(second["order_no"]))["status"] == "awaiting_credit"
    async with sales.runtime.db.transaction() as s:
        xmins = await s.execute(
            text("SELECT DISTINCT xmin::text FROM orders WHERE order_no IN (:a, :b)"),
            {"a": first["order_no"], "b": second["order_no"]},
        )
        assert len(xmins.all()) == 1, "the batch was handled one by one, not as one group"
        shipments = await s.execute(text("SELECT order_no, created_at FROM shipments WHERE do_no = :d"), {"d": do_no})
        assert [(r[0], r[1] is not None) for r in shipments] == [(second["order_no"], True)]
    confirmed = await sales.wait_published(first["order_no"], "OrderConfirmed")
    assert [x["sku"] for x in confirmed[0]["lines"]] == [x["sku"] for x in first["lines"]]

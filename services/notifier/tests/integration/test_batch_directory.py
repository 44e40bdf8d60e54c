"""A consumer batch records the customer of every order it places in one statement, before its handlers; the
handlers then write nothing more for them, and a message handled alone still records its own."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from contracts.common import Amounts, OrderLine
from contracts.sales import OrderPlaced

pytestmark = pytest.mark.integration


def record(message: Message, offset: int) -> ConsumerRecord[bytes, bytes]:
    env = Envelope.wrap(message, producer="sales")
    value = env.model_dump_json().encode()
    return ConsumerRecord(topic_of(message).name, 0, offset, 0, 0, env.key.encode(), value, None, 0, len(value), ())


def placed(order_no: str, customer: str) -> OrderPlaced:
    return OrderPlaced(
        order_no=order_no,
        customer_code=customer,
        channel="web",
        lines=[OrderLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_price=Decimal("10.00"))],
        totals=Amounts(net=Decimal("10.00"), tax=Decimal("0.00"), gross=Decimal("10.00")),
        placed_at=datetime.now(UTC),
    )


async def test_a_batch_records_its_orders_customers_in_its_transaction(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        seq = make.seq()
        orders = {f"SO-2026-{seq:09d}": "C-A", f"SO-2026-{seq + 1:09d}": "C-B", f"SO-2026-{seq + 2:09d}": "C-C"}
        (first, a), (second, b), (alone, c) = orders.items()
        assert n.runtime.processor is not None
        outcomes = await n.runtime.processor.process_batch([record(placed(first, a), 1), record(placed(second, b), 2)])
        assert outcomes == ["processed", "processed"]
        assert await n.runtime.processor.process_batch([record(placed(alone, c), 3)]) == ["processed"]
        async with n.runtime.db.transaction() as s:
            rows = (
                await s.execute(
                    text("SELECT order_no, customer_code, xmin::text FROM order_customers WHERE order_no = ANY(:o)"),
                    {"o": list(orders)},
                )
            ).all()
        assert {r[0]: r[1] for r in rows} == orders
        xmin = {r[0]: r[2] for r in rows}
        assert xmin[first] == xmin[second] != xmin[alone]  # the batch in one transaction, the single one apart

"""Messages the notifier would change nothing for (an order's status change no rule looks at) are passed over
unclaimed: no inbox row, no handler run. Those a rule's conditions hold for, and directory messages, are handled
as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from contracts.sales import OrderStatusChanged

pytestmark = pytest.mark.integration


def record(message: Message, offset: int) -> tuple[Envelope, ConsumerRecord[bytes, bytes]]:
    env = Envelope.wrap(message, producer="sales")
    value = env.model_dump_json().encode()
    return env, ConsumerRecord(
        topic_of(message).name, 0, offset, 0, 0, env.key.encode(), value, None, 0, len(value), ()
    )


def moved(order_no: str, to_status: str) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_no=order_no, customer_code="C-1", from_status="reserving", to_status=to_status, at=datetime.now(UTC)
    )


async def test_status_changes_no_rule_holds_for_are_passed_over(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        seq = make.seq()
        a, b, c = (f"SO-2026-{seq + i:09d}" for i in range(3))
        _, r1 = record(moved(a, "awaiting_credit"), 1)
        e2, r2 = record(moved(b, "backordered"), 2)
        _, r3 = record(moved(c, "confirmed"), 3)
        e4, r4 = record(make.customer(f"C-{seq}", "c@example.com"), 4)
        assert n.runtime.processor is not None
        outcomes = await n.runtime.processor.process_batch([r1, r2, r3, r4])
        # `order_backordered` (a default rule) holds for b only; a customer is a directory entry.
        assert outcomes == ["ignored", "processed", "ignored", "processed"]
        assert await n.runtime.processor.process_batch([r3]) == ["ignored"]  # alone, the same
        async with n.runtime.db.transaction() as s:
            claimed = set((await s.execute(text("SELECT message_id FROM inbox"))).scalars().all())
            raised = (
                (await s.execute(text("SELECT subject_id FROM alerts WHERE rule_code = 'order_backordered'")))
                .scalars()
                .all()
            )
        assert claimed == {e2.event_id, e4.event_id}
        assert raised == [b]
        # Redelivered, the handled ones are duplicates and nothing is raised twice.
        assert await n.runtime.processor.process_batch([r1, r2, r3, r4]) == [
            "ignored",
            "duplicate",
            "ignored",
            "duplicate",
        ]

"""The unit of work collects what it publishes and writes it once, at its end, wrapped as caused by its message;
a batch's typed slots are its own, never another batch's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from contracts import Envelope, Message
from contracts.sales import CustomerUpserted
from servicekit.config import ServiceSettings
from servicekit.unit import Batch, Slot, Unit

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Outbox:
    producer = "kit"

    def __init__(self) -> None:
        self.writes: list[list[tuple[Message, Envelope]]] = []

    async def write(self, session: Any, items: Sequence[tuple[Message, Envelope]]) -> None:
        self.writes.append(list(items))


def customer(code: str) -> CustomerUpserted:
    limit = Decimal("100.00")
    return CustomerUpserted(customer_code=code, name=code, credit_limit=limit, payment_terms_days=30, updated_at=NOW)


async def test_a_unit_writes_what_it_published_once_at_its_end_caused_by_its_message() -> None:
    outbox = Outbox()
    unit = Unit(SimpleNamespace(info={}), ServiceSettings(), NOW, outbox, correlation_id="SO-1", causation_id="e-1")  # type: ignore[arg-type]
    unit.publish(customer("A"))
    unit.publish(customer("B"))
    assert outbox.writes == []  # nothing written while the use case runs
    await unit.flush()
    await unit.flush()  # nothing left: no second write
    [written] = outbox.writes
    assert [m.customer_code for m, _ in written] == ["A", "B"]  # type: ignore[attr-defined]
    assert {(e.producer, e.correlation_id, e.causation_id) for _, e in written} == {("kit", "SO-1", "e-1")}


def test_a_batch_is_the_transactions_own() -> None:
    marks: Slot[set[str]] = Slot("marks")
    first, second = SimpleNamespace(info={}), SimpleNamespace(info={})
    Batch.of(first).setdefault(marks, set).add("A")  # type: ignore[arg-type]
    assert Batch.of(first).get(marks) == {"A"}  # type: ignore[arg-type]
    assert Batch.of(second).get(marks) is None  # type: ignore[arg-type]


async def test_a_message_published_in_a_flow_of_its_own_keeps_its_correlation() -> None:
    outbox = Outbox()
    unit = Unit(SimpleNamespace(info={}), ServiceSettings(), NOW, outbox, correlation_id="SO-1", causation_id="e-1")  # type: ignore[arg-type]
    unit.publish(customer("A"))
    unit.publish(customer("B"), correlation_id="SO-2")
    await unit.flush()
    [written] = outbox.writes
    assert [(e.correlation_id, e.causation_id) for _, e in written] == [("SO-1", "e-1"), ("SO-2", "e-1")]
    unit.publish(customer("C"))  # what the unit publishes next is in the unit's flow again
    await unit.flush()
    assert [e.correlation_id for _, e in outbox.writes[1]] == ["SO-1"]

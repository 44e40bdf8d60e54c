"""Credit checks through Kafka: exact figures, holds, idempotency, concurrency, release."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from aiokafka.structs import ConsumerRecord
from finance_testkit import Harness, doc
from sqlalchemy import text

from contracts import Envelope, Message, topic_of
from contracts.sales import CheckCredit, CustomerUpserted, OrderCancelled, VoidOrderSettlement
from finance.api import ctx
from finance.handlers.credit import check_credit
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
D = Decimal
REPLIES = "finance.receivables"


def replies(records: list, order_no: str, kind: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    out = [json.loads(r.value) for r in records if r.key == order_no.encode()]
    return [e for e in out if kind is None or e["type"] == kind]


async def test_approve_then_refuse_with_exact_figures(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="1000.00")
    first, second = doc("SO"), doc("SO")
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        await finance.send(CheckCredit(order_no=first, customer_code=customer, amount=D("600.00")))
        # The second check after the first is decided: checks of different orders sit on different partitions,
        # so a batch may hold both in either order.
        await tail.wait_for(lambda rs: bool(replies(rs, first)))
        await finance.send(CheckCredit(order_no=second, customer_code=customer, amount=D("400.01")))
        records = await tail.wait_for(lambda rs: bool(replies(rs, first)) and bool(replies(rs, second)))
    approved = replies(records, first)[0]
    assert approved["type"] == "CreditApproved"
    assert approved["payload"]["amount"] == "600.00"
    assert approved["payload"]["credit_limit"] == "1000.00"
    assert approved["payload"]["exposure"] == "600.00"
    refused = replies(records, second)[0]
    assert refused["type"] == "CreditRefused"
    p = refused["payload"]
    assert (p["reason"], p["credit_limit"], p["exposure"], p["requested"]) == (
        "credit_limit",
        "1000.00",
        "600.00",
        "400.01",
    )
    r = await finance.client.get(f"/api/v1/credit-accounts/{customer}", headers=auth("sales_manager"))
    assert r.status_code == 200
    assert (r.json()["exposure"], r.json()["available"]) == ("600.00", "400.00")
    assert [h["order_no"] for h in r.json()["holds"]] == [first]
    assert (
        await finance.client.get(f"/api/v1/credit-accounts/{customer}", headers=auth("warehouse"))
    ).status_code == 403


async def test_unknown_customer_is_refused(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    order = doc("SO")
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        await finance.send(CheckCredit(order_no=order, customer_code="NOBODY-x1", amount=D("1.00")))
        records = await tail.wait_for(lambda rs: bool(replies(rs, order)))
    assert replies(records, order)[0]["payload"]["reason"] == "unknown_customer"


async def test_duplicate_check_credit_holds_once_and_replies_the_same(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="1000.00")
    order = doc("SO")
    command = CheckCredit(order_no=order, customer_code=customer, amount=D("700.00"))
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        env = await finance.send(command)
        await finance.send(command, env)  # the same envelope redelivered: dropped by the inbox
        await finance.send(command)  # sales retried the command (new event id): same decision, no second hold
        records = await tail.wait_for(lambda rs: len(replies(rs, order)) >= 2)
    assert {e["type"] for e in replies(records, order)} == {"CreditApproved"}
    assert {e["payload"]["exposure"] for e in replies(records, order)} == {"700.00"}
    assert await finance.scalar("SELECT count(*) FROM credit_holds WHERE order_no = :o", o=order) == 1
    assert await finance.scalar("SELECT amount FROM credit_holds WHERE order_no = :o", o=order) == D("700.00")


async def test_new_revision_replaces_the_hold(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="1000.00")
    order = doc("SO")
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        await finance.send(CheckCredit(order_no=order, revision=1, customer_code=customer, amount=D("700.00")))
        await finance.send(CheckCredit(order_no=order, revision=2, customer_code=customer, amount=D("900.00")))
        records = await tail.wait_for(lambda rs: len(replies(rs, order)) >= 2)
    second = next(e for e in replies(records, order) if e["payload"]["revision"] == 2)
    assert second["type"] == "CreditApproved" and second["payload"]["exposure"] == "900.00"
    hold = (await finance.rows("SELECT revision, amount FROM credit_holds WHERE order_no = :o", o=order))[0]
    assert (hold.revision, hold.amount) == (2, D("900.00"))


async def test_concurrent_checks_cannot_pass_the_limit(finance: Harness) -> None:
    """Ten checks of 300 against a 1000 limit, in ten concurrent transactions: exactly three pass."""
    customer = await finance.customer(limit="1000.00")
    orders = [doc("SO") for _ in range(10)]

    async def one(order_no: str) -> None:
        async with finance.runtime.db.transaction() as session:
            await check_credit(
                ctx(finance.runtime, session),
                CheckCredit(order_no=order_no, customer_code=customer, amount=D("300.00")),
            )

    await asyncio.gather(*(one(o) for o in orders))
    approved = await finance.scalar(
        "SELECT count(*) FROM credit_checks WHERE customer_code = :c AND approved", c=customer
    )
    held = await finance.scalar("SELECT sum(amount) FROM credit_holds WHERE customer_code = :c AND active", c=customer)
    assert (approved, held) == (3, D("900.00"))


async def test_concurrent_checks_through_kafka(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="1000.00")
    orders = [doc("SO") for _ in range(12)]
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        await asyncio.gather(
            *(finance.send(CheckCredit(order_no=o, customer_code=customer, amount=D("250.00"))) for o in orders)
        )
        records = await tail.wait_for(lambda rs: all(replies(rs, o) for o in orders))
    kinds = [replies(records, o)[0]["type"] for o in orders]
    assert kinds.count("CreditApproved") == 4
    assert await finance.scalar(
        "SELECT sum(amount) FROM credit_holds WHERE customer_code = :c AND active", c=customer
    ) == D("1000.00")


async def test_void_and_cancel_release_the_hold_idempotently(finance: Harness, infra) -> None:  # type: ignore[no-untyped-def]
    customer = await finance.customer(limit="1000.00")
    voided, cancelled = doc("SO"), doc("SO")
    async with TopicTail(infra.kafka_bootstrap, REPLIES) as tail:
        for order in (voided, cancelled):
            await finance.send(CheckCredit(order_no=order, customer_code=customer, amount=D("500.00")))
        await tail.wait_for(lambda rs: bool(replies(rs, voided)) and bool(replies(rs, cancelled)))
        void = VoidOrderSettlement(order_no=voided, customer_code=customer, reason="credit refused elsewhere")
        await finance.send(void)
        await finance.send(void)
        await finance.send(
            OrderCancelled(
                order_no=cancelled,
                customer_code=customer,
                previous_status="confirmed",
                reason="customer asked",
                cancelled_at=finance.clock.now(),
            )
        )
        records = await tail.wait_for(
            lambda rs: (
                len(replies(rs, voided, "SettlementVoided")) >= 2 and bool(replies(rs, cancelled, "SettlementVoided"))
            )
        )
    amounts = [e["payload"]["released_amount"] for e in replies(records, voided, "SettlementVoided")]
    assert amounts == ["500.00", "0.00"]
    assert replies(records, cancelled, "SettlementVoided")[0]["payload"]["released_amount"] == "500.00"
    r = await finance.client.get(f"/api/v1/credit-accounts/{customer}", headers=auth("finance"))
    assert r.json()["exposure"] == "0.00" and r.json()["holds"] == []


def record(message: Message, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = Envelope.wrap(message, producer="sales").model_dump_json().encode()
    return ConsumerRecord(
        topic_of(message).name, 0, offset, 0, 0, message.key().encode(), value, None, 0, len(value), ()
    )


async def test_a_batch_locks_its_accounts_at_once_and_a_limit_changed_in_it_counts(finance: Harness) -> None:
    customer = await finance.customer(limit="1000.00")
    first, second, third = doc("SO"), doc("SO"), doc("SO")
    lowered = CustomerUpserted(
        customer_code=customer,
        name=f"Customer {customer}",
        credit_limit=D("800.00"),
        payment_terms_days=30,
        updated_at=datetime.now(UTC),
    )
    batch = [
        record(CheckCredit(order_no=first, customer_code=customer, amount=D("600.00")), 1),
        record(CheckCredit(order_no=second, customer_code=customer, amount=D("300.00")), 2),
        record(lowered, 3),  # the account read ahead for the batch is stale after this
        record(CheckCredit(order_no=third, customer_code=customer, amount=D("100.00")), 4),
    ]
    assert finance.runtime.processor is not None
    assert await finance.runtime.processor.process_batch(batch) == ["processed"] * 4
    async with finance.runtime.db.transaction() as s:
        rows = (
            await s.execute(
                text("SELECT order_no, approved, credit_limit, xmin::text FROM credit_checks WHERE order_no = ANY(:o)"),
                {"o": [first, second, third]},
            )
        ).all()
    decided = {r[0]: (r[1], r[2]) for r in rows}
    # 600 and 900 fit 1000; 1000 does not fit the 800 the batch set before the third check.
    assert decided == {first: (True, D("1000.00")), second: (True, D("1000.00")), third: (False, D("800.00"))}
    assert len({r[3] for r in rows}) == 1, "the batch was handled one by one, not as one group"


async def test_a_batch_reads_its_checks_situations_at_once_and_a_later_message_about_a_customer_reads_afresh(
    finance: Harness,
) -> None:
    """The batch reads its checks' situations (exposure, earlier decisions) ahead, per customer: the first message
    about a customer uses them; a second check of the same customer, or a check after a release of one of its
    holds in the same batch, must see what the earlier messages of the batch did (read ahead, it would not)."""
    busy, released, other = [await finance.customer(limit="1000.00") for _ in range(3)]
    held = doc("SO")
    assert finance.runtime.processor is not None
    earlier = [record(CheckCredit(order_no=held, customer_code=released, amount=D("700.00")), 1)]
    assert await finance.runtime.processor.process_batch(earlier) == ["processed"]
    first, second, after_release, alone = doc("SO"), doc("SO"), doc("SO"), doc("SO")
    batch = [
        record(CheckCredit(order_no=first, customer_code=busy, amount=D("600.00")), 2),
        record(CheckCredit(order_no=second, customer_code=busy, amount=D("500.00")), 3),  # 1100 > 1000
        record(VoidOrderSettlement(order_no=held, customer_code=released, reason="cancelled"), 4),
        record(CheckCredit(order_no=after_release, customer_code=released, amount=D("900.00")), 5),  # 700 gone
        record(CheckCredit(order_no=alone, customer_code=other, amount=D("1000.00")), 6),
    ]
    assert await finance.runtime.processor.process_batch(batch) == ["processed"] * 5
    async with finance.runtime.db.transaction() as s:
        rows = (
            await s.execute(
                text("SELECT order_no, approved, exposure, xmin::text FROM credit_checks WHERE order_no = ANY(:o)"),
                {"o": [first, second, after_release, alone]},
            )
        ).all()
    assert {r[0]: (r[1], r[2]) for r in rows} == {
        first: (True, D("0.00")),
        second: (False, D("600.00")),
        after_release: (True, D("0.00")),
        alone: (True, D("0.00")),
    }
    assert len({r[3] for r in rows}) == 1, "the batch was handled one by one, not as one group"

"""A fetched batch is handled in one transaction across its partitions: one commit, duplicates inside the batch
have no second effect, and the outbox rows it emits are written in publishing order."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from kitapp import app as kitapp
from kitapp.fixtures import TOPIC, customer, envelope, migrate
from sqlalchemy import text

from contracts import Envelope
from contracts.envelope import HEADER_TYPE
from contracts.sales import CustomerUpserted
from servicekit.clock import SystemClock
from servicekit.consumer import HandlerContext, MessageHandlers, MessageProcessor
from servicekit.db import Database
from servicekit.fastsql import Statement
from servicekit.outbox import Outbox
from servicekit.unit import MISSING, Batch

pytestmark = pytest.mark.integration


def record(env: Envelope, partition: int, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = env.model_dump_json().encode()
    return ConsumerRecord(TOPIC, partition, offset, 0, 0, env.key.encode(), value, None, 0, len(value), ())


def raw(value: bytes, event_type: str, offset: int) -> ConsumerRecord[bytes, bytes]:
    headers = ((HEADER_TYPE, event_type.encode()),)
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 0, len(value), headers)


class NoDeadLetters:
    async def send(self, *_: object) -> None:
        raise AssertionError("nothing in this batch may be dead-lettered")


class DeadLetterList:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def send(self, record: object, reason: str, error: str) -> None:
        self.reasons.append(reason)


def processor(db: Database, dead_letters: object, handlers: MessageHandlers[Any] | None = None) -> MessageProcessor:
    return MessageProcessor(
        consumer="kit",
        handlers=handlers or kitapp.handlers,
        db=db,
        tables=kitapp.kit,
        outbox=Outbox(kitapp.kit, "kit"),
        clock=SystemClock(),
        dead_letters=dead_letters,  # type: ignore[arg-type]
    )


async def test_a_batch_across_partitions_commits_once_and_drops_its_inner_duplicate(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    kit = processor(db, NoDeadLetters())
    tag = uuid.uuid4().hex[:6]
    a, b = envelope(customer(f"a-{tag}")), envelope(customer(f"b-{tag}", name="echo"))
    c, d = envelope(customer(f"c-{tag}", name="echo")), envelope(customer(f"d-{tag}"))
    batch = [record(a, 0, 10), record(b, 1, 7), record(a, 2, 3), record(c, 0, 11), record(d, 1, 8)]
    try:
        outcomes = await kit.process_batch(batch)
        assert outcomes == ["processed", "processed", "duplicate", "processed", "processed"]
        async with db.transaction() as s:
            effects = (await s.execute(text("SELECT customer_code, xmin::text FROM effects ORDER BY id"))).all()
            assert [e[0] for e in effects] == [f"a-{tag}", f"b-{tag}", f"c-{tag}", f"d-{tag}"]
            assert len({e[1] for e in effects}) == 1, "the batch was not one transaction"
            inbox = await s.scalar(text("SELECT count(*) FROM inbox"))
            assert inbox == 4
            keys = (await s.execute(text("SELECT key FROM outbox ORDER BY id"))).scalars().all()
            assert keys == [f"b-{tag}-echo", f"c-{tag}-echo"]
        # The whole batch again (a redelivery after a crash before the offset commit): no second effect.
        assert await kit.process_batch(batch) == ["duplicate"] * 5
        async with db.transaction() as s:
            assert await s.scalar(text("SELECT count(*) FROM effects")) == 4
            assert await s.scalar(text("SELECT count(*) FROM outbox")) == 2
    finally:
        await db.dispose()


async def test_unhandled_types_are_passed_over_by_header_and_handled_ones_still_validated(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    dead = DeadLetterList()
    try:
        outcomes = await processor(db, dead).process_batch(
            [raw(b"not json at all", "PurchaseOrderIssued", 1), raw(b"not json at all", "CustomerUpserted", 2)]
        )
        # The first is not this consumer's (its body is never parsed); the second is, and its body is poison.
        assert outcomes == ["ignored", "dead_lettered"]
        assert dead.reasons == ["invalid_envelope"]
    finally:
        await db.dispose()


async def test_a_batch_is_prepared_once_in_its_transaction_with_its_fresh_messages(database_url: str) -> None:
    await migrate(database_url)
    db = Database(database_url)
    seen: list[tuple[str, list[str]]] = []

    async def prepare(session: Any, messages: list[Any]) -> None:
        xid = await session.scalar(text("SELECT pg_current_xact_id()::text"))
        seen.append((xid, [m.customer_code for m in messages]))

    handlers = copy.copy(kitapp.handlers)  # the shared handlers stay without the hook
    handlers.prepare_groups(prepare)
    kit = processor(db, NoDeadLetters(), handlers)
    tag = uuid.uuid4().hex[:6]
    a, b = envelope(customer(f"a-{tag}")), envelope(customer(f"b-{tag}"))
    try:
        assert await kit.process_batch([record(a, 0, 1)]) == ["processed"]  # alone: no group, no preparation
        assert seen == []
        c = envelope(customer(f"c-{tag}"))
        outcomes = await kit.process_batch([record(a, 0, 1), record(b, 1, 1), record(c, 0, 2), record(b, 1, 1)])
        assert outcomes == ["duplicate", "processed", "processed", "duplicate"]
        # Once, before the handlers, with what they were about to handle (the duplicates left out) ...
        assert [codes for _, codes in seen] == [[f"b-{tag}", f"c-{tag}"]]
        async with db.transaction() as s:
            xmins = (
                (await s.execute(text("SELECT xmin::text FROM effects WHERE customer_code <> :a"), {"a": f"a-{tag}"}))
                .scalars()
                .all()
            )
        # ... in the batch's own transaction.
        assert set(xmins) == {seen[0][0]}
    finally:
        await db.dispose()


async def test_a_group_waits_for_a_lock_no_longer_than_its_timeout_then_goes_one_by_one(
    database_url: str,
) -> None:
    """A batch's group holds its locks longer than one message would, so it waits for a lock at most
    GROUP_LOCK_TIMEOUT (set by the statement that claims its messages) and then its messages are handled one by
    one. Here the group's preparation wants a lock another session holds for the whole test: without the timeout
    the batch would wait for it for ever."""
    await migrate(database_url)
    db = Database(database_url)
    timeouts: list[str] = []
    key = int(uuid.uuid4().int % 2**31)

    async def prepare(session: Any, messages: list[Any]) -> None:
        timeouts.append(await session.scalar(text("SELECT current_setting('lock_timeout')")))
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    handlers = copy.copy(kitapp.handlers)
    handlers.prepare_groups(prepare)
    kit = processor(db, NoDeadLetters(), handlers)
    tag = uuid.uuid4().hex[:6]
    a, b = envelope(customer(f"a-{tag}")), envelope(customer(f"b-{tag}"))
    holder = await db.engine.connect()
    try:
        await holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        outcomes = await asyncio.wait_for(kit.process_batch([record(a, 0, 1), record(b, 1, 1)]), timeout=20)
        assert outcomes == ["processed", "processed"]
        assert timeouts == ["100ms"], "the group ran once, with its lock timeout"
        async with db.transaction() as s:
            codes = (await s.execute(text("SELECT customer_code FROM effects ORDER BY id"))).scalars().all()
            assert codes == [f"a-{tag}", f"b-{tag}"]
            # SET LOCAL: the next transaction on a pooled connection waits as long as it must again.
            assert await s.scalar(text("SELECT current_setting('lock_timeout')")) == "0"
    finally:
        await holder.close()
        await db.dispose()


_EFFECT = Statement(text("INSERT INTO effects (customer_code, event_id) VALUES (:code, :event_id)"))


async def test_a_deferred_write_that_fails_undoes_its_batch_and_only_its_message_is_dead_lettered(
    database_url: str,
) -> None:
    """Handlers' deferred writes go at the batch's end: one that fails there fails the whole group (nothing of it
    stays), and the records are handled one by one, where the write runs at once and only its own message is
    dead-lettered."""
    await migrate(database_url)
    db = Database(database_url)
    handlers: MessageHandlers[Any] = MessageHandlers()

    @handlers.on(CustomerUpserted)
    async def record_effect(ctx: HandlerContext, message: CustomerUpserted) -> None:
        code = None if message.name == "poison" else message.customer_code  # NOT NULL: fails when it is sent
        await _EFFECT.defer(ctx.session, code=code, event_id=str(ctx.envelope.event_id))

    dead = DeadLetterList()
    kit = MessageProcessor(
        consumer="kit",
        handlers=handlers,
        db=db,
        tables=kitapp.kit,
        outbox=Outbox(kitapp.kit, "kit"),
        clock=SystemClock(),
        dead_letters=dead,  # type: ignore[arg-type]
        max_attempts=1,
    )
    tag = uuid.uuid4().hex[:6]
    a, poison, c = (envelope(customer(f"{x}-{tag}", name=n)) for x, n in (("a", "ok"), ("p", "poison"), ("c", "ok")))
    try:
        outcomes = await kit.process_batch([record(a, 0, 1), record(poison, 0, 2), record(c, 0, 3)])
        assert outcomes == ["processed", "dead_lettered", "processed"]
        assert dead.reasons == ["handler_error"]
        async with db.transaction() as s:
            effects = (await s.execute(text("SELECT customer_code, xmin::text FROM effects ORDER BY id"))).all()
            assert [e[0] for e in effects] == [f"a-{tag}", f"c-{tag}"]
            assert len({e[1] for e in effects}) == 2, "handled one by one after the group failed"
            assert await s.scalar(text("SELECT count(*) FROM inbox")) == 2
    finally:
        await db.dispose()


async def test_a_group_hands_what_it_read_ahead_to_the_first_message_about_each_key(database_url: str) -> None:
    """`prepare_groups(fn, key=...)`: what `fn` read ahead per key is handed by the consumer to the handler of the
    first message about that key, not to a later one."""
    await migrate(database_url)
    db = Database(database_url)
    handlers: MessageHandlers[Any] = MessageHandlers()
    taken: list[tuple[str, Any]] = []

    @handlers.on(CustomerUpserted)
    async def take(ctx: HandlerContext, message: CustomerUpserted) -> None:
        taken.append((message.customer_code, Batch.of(ctx.session).take("names", message.customer_code)))

    async def prepare(session: Any, messages: list[Any]) -> None:
        Batch.of(session).put("names", {m.customer_code: m.name for m in messages})

    handlers.prepare_groups(prepare, key=lambda m: m.customer_code)
    tag = uuid.uuid4().hex[:6]
    names = ((f"a-{tag}", "one"), (f"b-{tag}", "two"), (f"a-{tag}", "x"))
    a1, b, a2 = (envelope(customer(code, name=name)) for code, name in names)
    try:
        assert (
            await processor(db, NoDeadLetters(), handlers).process_batch(
                [record(a1, 0, 1), record(b, 1, 1), record(a2, 0, 2)]
            )
            == ["processed"] * 3
        )
        # read ahead: the last name per key; a's went to its first message only
        assert taken == [(f"a-{tag}", "x"), (f"b-{tag}", "two"), (f"a-{tag}", MISSING)]
    finally:
        await db.dispose()


async def test_messages_the_handler_would_change_nothing_for_are_passed_over_unclaimed(database_url: str) -> None:
    """`MessageHandlers.pass_over`: a message said inert is neither claimed (no inbox row) nor handled, in a
    group and alone; the others of its batch are handled as usual, and the question is asked in the batch's
    transaction."""
    await migrate(database_url)
    db = Database(database_url)
    asked: list[tuple[str, str]] = []

    async def inert(session: Any, message: CustomerUpserted) -> bool:
        asked.append((message.customer_code, await session.scalar(text("SELECT pg_current_xact_id()::text"))))
        return message.name == "nobody"

    handlers = copy.copy(kitapp.handlers)
    handlers.pass_over(inert)
    kit = processor(db, NoDeadLetters(), handlers)
    tag = uuid.uuid4().hex[:6]
    a, b = envelope(customer(f"a-{tag}")), envelope(customer(f"b-{tag}", name="nobody"))
    c, d = envelope(customer(f"c-{tag}")), envelope(customer(f"d-{tag}", name="nobody"))
    try:
        outcomes = await kit.process_batch([record(a, 0, 1), record(b, 1, 1), record(c, 0, 2)])
        assert outcomes == ["processed", "ignored", "processed"]
        assert len({xid for _, xid in asked}) == 1, "asked in the batch's one transaction"
        assert await kit.process_batch([record(d, 1, 2)]) == ["ignored"]  # alone: its own transaction
        assert await kit.process_batch([record(b, 1, 1), record(d, 1, 2)]) == ["ignored", "ignored"]
        async with db.transaction() as s:
            codes = (await s.execute(text("SELECT customer_code FROM effects ORDER BY id"))).scalars().all()
            assert codes == [f"a-{tag}", f"c-{tag}"]
            claimed = set((await s.execute(text("SELECT message_id FROM inbox"))).scalars().all())
            assert claimed == {a.event_id, c.event_id}
        # The handled ones stay handled once: a redelivery finds them claimed.
        assert await kit.process_batch([record(a, 0, 1), record(c, 0, 2)]) == ["duplicate", "duplicate"]
    finally:
        await db.dispose()

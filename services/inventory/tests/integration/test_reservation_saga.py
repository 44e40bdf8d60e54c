"""The saga's reservation commands through the real broker: replies read back from inventory.fulfillment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from inventory_testkit import Inventory, bearer, now, order_no, payloads, uid

from contracts.common import StockLine
from contracts.sales import AdjustReservation, ReleaseStock, ReservationTarget, ReserveStock
from servicekit.testing import TopicTail, eventually

pytestmark = pytest.mark.integration
REPLIES = "inventory.fulfillment"


def reserve(order: str, *lines: tuple[str, int], **kw: object) -> ReserveStock:
    stock_lines = [StockLine(line_no=i, sku=sku, qty=Decimal(q)) for i, (sku, q) in enumerate(lines, start=1)]
    return ReserveStock(order_no=order, lines=stock_lines, placed_at=kw.pop("placed_at", now()), **kw)  # type: ignore[arg-type]


async def test_all_lines_or_none(inv: Inventory) -> None:
    wh, a, b = uid("WH"), uid("A"), uid("B")
    await inv.seed(wh, {a: 5, b: 1})
    short, fits = order_no(), order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        await inv.send(reserve(short, (a, 3), (b, 2)))
        await tail.wait_for(lambda rs: bool(payloads(rs, short)))  # two orders are on two partitions: one at a time
        await inv.send(reserve(fits, (a, 3), (b, 1)))
        records = await tail.wait_for(lambda rs: bool(payloads(rs, fits)))
    failed = payloads(records, short)[0]
    assert failed["type"] == "StockReservationFailed"
    assert failed["payload"]["reason"] == "out_of_stock"
    [shortage] = failed["payload"]["shortages"]
    assert (shortage["line_no"], shortage["sku"]) == (2, b)
    assert (Decimal(shortage["qty_requested"]), Decimal(shortage["qty_available"])) == (2, 1)
    ok = payloads(records, fits)[0]
    assert ok["type"] == "StockReserved"
    assert {(x["sku"], Decimal(x["qty"])) for x in ok["payload"]["lines"]} == {(a, 3), (b, 1)}
    assert await inv.stock(a, wh) == {"on_hand": 5, "reserved": 3, "available": 2}
    assert await inv.stock(b, wh) == {"on_hand": 1, "reserved": 1, "available": 0}
    r = await inv.client.get(f"/api/v1/reservations/{short}", headers={"Authorization": "Bearer x"})
    assert r.status_code == 401


async def test_unknown_sku_is_refused(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 5})
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        await inv.send(reserve(order, (a, 1), ("NO-SUCH-SKU", 1)))
        records = await tail.wait_for(lambda rs: bool(payloads(rs, order)))
    assert payloads(records, order)[0]["payload"]["reason"] == "unknown_sku"
    assert (await inv.stock(a, wh))["reserved"] == 0


async def test_same_command_twice_and_a_retry_reserve_once(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 10})
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        first = await inv.send(reserve(order, (a, 3)))
        await inv.send(reserve(order, (a, 3)), env=first)  # redelivered: same event id
        await inv.send(reserve(order, (a, 3)))  # the saga retried: a new event id, the same wanted total
        records = await tail.wait_for(lambda rs: len(payloads(rs, order, "StockReserved")) >= 2)
        assert (await inv.stock(a, wh))["reserved"] == 3
        await inv.send(reserve(order, (a, 4)))  # an amended total: topped up to 4, not 3 + 4
        records = await tail.wait_for(lambda rs: len(payloads(rs, order, "StockReserved")) >= 3)
    replies = payloads(records, order, "StockReserved")
    assert [Decimal(r["payload"]["lines"][0]["qty"]) for r in replies] == [3, 3, 4]
    assert await inv.stock(a, wh) == {"on_hand": 10, "reserved": 4, "available": 6}


async def test_release_is_idempotent(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 10})
    order = order_no()
    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        await inv.send(reserve(order, (a, 4)))
        await tail.wait_for(lambda rs: bool(payloads(rs, order, "StockReserved")))
        assert (await inv.stock(a, wh))["reserved"] == 4
        await inv.send(ReleaseStock(order_no=order, reason="credit refused"))
        await inv.send(ReleaseStock(order_no=order, reason="credit refused"))
        records = await tail.wait_for(lambda rs: len(payloads(rs, order, "StockReleased")) >= 2)
    released = payloads(records, order, "StockReleased")
    [line] = released[0]["payload"]["lines"]
    assert (line["line_no"], line["sku"], line["warehouse_code"], Decimal(line["qty"])) == (1, a, wh, 4)
    assert released[1]["payload"]["lines"] == []
    assert await inv.stock(a, wh) == {"on_hand": 10, "reserved": 0, "available": 10}


async def test_backorders_served_by_priority_then_age_when_stock_is_adjusted_in(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 0})
    t0 = now() - timedelta(hours=1)
    oldest, urgent, middle, newest = order_no(), order_no(), order_no(), order_no()
    queued = [
        reserve(oldest, (a, 2), backorder=True, priority=5, placed_at=t0),
        reserve(urgent, (a, 2), backorder=True, priority=9, placed_at=t0 + timedelta(minutes=30)),
        reserve(middle, (a, 2), backorder=True, priority=5, placed_at=t0 + timedelta(minutes=10)),
        reserve(newest, (a, 2), backorder=True, priority=5, placed_at=t0 + timedelta(minutes=20)),
    ]
    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        for cmd in queued:
            await inv.send(cmd)
        records = await tail.wait_for(
            lambda rs: all(payloads(rs, c.order_no, "StockReservationFailed") for c in queued)
        )
        queue = (await inv.client.get("/api/v1/backorders", headers=bearer("auditor"))).json()
        assert [q["order_no"] for q in queue] == [urgent, oldest, middle, newest]
        r = await inv.adjust(a, wh, 6, reason_code="return")
        assert r.status_code == 201, r.text
        records = await tail.wait_for(
            lambda rs: sum(bool(payloads(rs, o, "StockReserved")) for o in queued_nos(queued)) >= 3
        )
    served = {c.order_no for c in queued if payloads(records, c.order_no, "StockReserved")}
    assert served == {urgent, oldest, middle}
    # Each reply is in its order's flow, not in that of the stock event that woke it (correlated by its sku).
    assert {o: payloads(records, o, "StockReserved")[-1]["correlation_id"] for o in served} == {o: o for o in served}
    assert await inv.stock(a, wh) == {"on_hand": 6, "reserved": 6, "available": 0}
    queue = (await inv.client.get("/api/v1/backorders", headers=bearer("auditor"))).json()
    assert [q["order_no"] for q in queue] == [newest]
    # One shape in every state (issue 19): held, backordered (nothing held yet), unknown → 404.
    states = {}
    for o in (urgent, newest):
        r = await inv.client.get(f"/api/v1/reservations/{o}", headers=bearer("auditor"))
        assert r.status_code == 200, r.text
        states[o] = (r.json()["state"], len(r.json()["lines"]))
    assert states == {urgent: ("held", 1), newest: ("backordered", 0)}
    r = await inv.client.get(f"/api/v1/reservations/{order_no()}", headers=bearer("auditor"))
    assert r.status_code == 404
    await inv.send(ReleaseStock(order_no=newest, reason="customer cancelled"))

    async def queue_now() -> list[str]:
        r = await inv.client.get("/api/v1/backorders", headers=bearer("auditor"))
        return [q["order_no"] for q in r.json()]

    await eventually(queue_now, lambda q: q == [])


def queued_nos(cmds: list[ReserveStock]) -> list[str]:
    return [c.order_no for c in cmds]


async def test_adjust_reservation_by_revision(inv: Inventory) -> None:
    wh, a = uid("WH"), uid("A")
    await inv.seed(wh, {a: 10})
    order = order_no()

    def adjust(revision: int, qty: int) -> AdjustReservation:
        target = ReservationTarget(line_no=1, sku=a, qty=Decimal(qty))
        return AdjustReservation(order_no=order, revision=revision, lines=[target])

    async with TopicTail(inv.infra.kafka_bootstrap, REPLIES) as tail:
        await inv.send(reserve(order, (a, 5)))
        await inv.send(adjust(2, 3))
        await inv.send(adjust(3, 20))  # more than there is: refused, unchanged
        await inv.send(adjust(1, 9))  # older than the applied revision: ignored
        await inv.send(adjust(2, 3))  # the saga retried revision 2: answered again, no second effect
        await inv.send(adjust(4, 7))
        records = await tail.wait_for(lambda rs: len(payloads(rs, order)) >= 5)
    types = [(e["type"], e["payload"].get("revision")) for e in payloads(records, order)]
    assert types == [
        ("StockReserved", None),
        ("ReservationAdjusted", 2),
        ("ReservationAdjustmentFailed", 3),
        ("ReservationAdjusted", 2),
        ("ReservationAdjusted", 4),
    ]
    assert Decimal(payloads(records, order)[1]["payload"]["lines"][0]["qty"]) == 3
    assert Decimal(payloads(records, order)[3]["payload"]["lines"][0]["qty"]) == 3
    assert Decimal(payloads(records, order)[4]["payload"]["lines"][0]["qty"]) == 7
    assert (await inv.stock(a, wh))["reserved"] == 7

"""The order API on the real database and broker: entry rules, security, amendments, approval, listing."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sales_testkit import ADMIN, SELLER, D, Harness, doc, now, order_body, uid
from sqlalchemy import event, func, select, text

from contracts.common import ReservedLine, ShortageLine, StockLine
from contracts.inventory import (
    OutboundOrderCreated,
    OutboundOrderPicked,
    OutboundOrderUnpicked,
    ProductUpserted,
    ReservationAdjusted,
    ReservationAdjustmentFailed,
    ShipmentDispatched,
    ShippedLine,
)
from sales.db import kit, order_lines, orders, product_categories, sagas
from servicekit import _compat
from servicekit.testing import auth, eventually

pytestmark = pytest.mark.integration


async def counts(sales: Harness) -> tuple[int, ...]:
    """Rows only an order placement writes (other tests' sagas may still be moving in the background). Its
    messages are written in the same transaction, but the relay publishes and deletes outbox rows at any time,
    so they are not counted here."""
    async with sales.runtime.db.transaction() as s:
        tables = (orders, order_lines, sagas, kit.audit_log, kit.idempotency_keys)
        return tuple([int(await s.scalar(select(func.count()).select_from(t)) or 0) for t in tables])


async def test_same_channel_reference_twice_gives_one_order(sales: Harness) -> None:
    customer = await sales.customer()
    ref = uid("WX")
    first = await sales.place(customer, channel="wechat", external_ref=ref)
    again = await sales.place(customer, expect=200, channel="wechat", external_ref=ref)
    assert again["order_no"] == first["order_no"]
    other_channel = await sales.place(customer, channel="app", external_ref=ref)
    assert other_channel["order_no"] != first["order_no"]
    async with sales.runtime.db.transaction() as s:
        n = await s.scalar(select(func.count()).select_from(orders).where(orders.c.external_ref == ref))
    assert n == 2
    assert len(await sales.wait_published(first["order_no"], "OrderPlaced")) == 1


async def test_a_channel_reference_is_the_customers_own(sales: Harness) -> None:
    a, b = await sales.customer(), await sales.customer()
    ref = uid("WX")
    first = await sales.place(a, channel="wechat", external_ref=ref)
    theirs = await sales.place(b, channel="wechat", external_ref=ref)  # B's order, not A's back
    assert theirs["order_no"] != first["order_no"] and theirs["customer_code"] == b
    assert theirs["tracking_token"] != first["tracking_token"]
    # the same reference with other lines is another order under a used reference: refused, naming the order
    lines = [{"sku": "SKU-A", "qty": "3", "unit_price": "100.00", "discount": "0.1", "tax_rate": "0.13"}]
    r = await sales.client.post(
        "/api/v1/orders", json=order_body(a, channel="wechat", external_ref=ref, lines=lines), headers=SELLER
    )
    assert r.status_code == 409 and r.json()["code"] == "external_ref_conflict", r.text
    assert r.json()["order_no"] == first["order_no"]
    again = await sales.place(a, expect=200, channel="wechat", external_ref=ref)
    assert again["order_no"] == first["order_no"]
    async with sales.runtime.db.transaction() as s:
        n = await s.scalar(select(func.count()).select_from(orders).where(orders.c.external_ref == ref))
    assert n == 2


async def test_concurrent_requests_with_one_reference_make_one_order(sales: Harness) -> None:
    customer = await sales.customer()
    body = order_body(customer, channel="api", external_ref=uid("EDI"))
    replies = await asyncio.gather(*(sales.client.post("/api/v1/orders", json=body, headers=SELLER) for _ in range(6)))
    assert sorted(r.status_code for r in replies) == [200] * 5 + [201]
    assert len({r.json()["order_no"] for r in replies}) == 1


async def test_idempotency_key_replays_the_first_response(sales: Harness) -> None:
    customer = await sales.customer()
    headers = {**SELLER, "Idempotency-Key": uid("key")}
    first = await sales.client.post("/api/v1/orders", json=order_body(customer), headers=headers)
    again = await sales.client.post("/api/v1/orders", json=order_body(customer), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    async with sales.runtime.db.transaction() as s:
        n = await s.scalar(select(func.count()).select_from(orders).where(orders.c.customer_code == customer))
    assert n == 1
    changed = order_body(customer, priority=1)
    other = await sales.client.post("/api/v1/orders", json=changed, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "A", "qty": "0", "unit_price": "1"}]}, "lines.0.qty"),
        ({"lines": [{"sku": "A", "qty": "1", "unit_price": "1.234"}]}, "lines.0.unit_price"),
        ({"lines": [{"sku": "A", "qty": "1", "unit_price": "1", "discount": "1.5"}]}, "lines.0.discount"),
        ({"priority": 10}, "priority"),
        ({"requested_date": "tomorrow"}, "requested_date"),
        ({"unexpected": 1}, "unexpected"),
        ({"customer_code": "NOBODY-HERE"}, "customer_code"),
    ],
)
async def test_invalid_order_422_names_the_field_and_stores_nothing(
    sales: Harness, over: dict[str, Any], field: str
) -> None:
    customer = await sales.customer()
    before = await counts(sales)
    r = await sales.client.post(
        "/api/v1/orders", json=order_body(customer, **over), headers={**SELLER, "Idempotency-Key": uid("k")}
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_failed"
    assert field in [e["field"] for e in r.json()["errors"]]
    assert await counts(sales) == before


async def test_401_403_and_inactive_customer_store_nothing(sales: Harness) -> None:
    customer = await sales.customer()
    inactive = await sales.customer(active=False)
    before = await counts(sales)
    assert (await sales.client.post("/api/v1/orders", json=order_body(customer))).status_code == 401
    for role in ("warehouse", "auditor", "finance"):
        r = await sales.client.post("/api/v1/orders", json=order_body(customer), headers=auth(role))
        assert r.status_code == 403, role
    r = await sales.client.post("/api/v1/orders", json=order_body(inactive), headers=SELLER)
    assert r.status_code == 409 and r.json()["code"] == "customer_inactive"
    assert await counts(sales) == before
    assert (await sales.client.get("/api/v1/orders")).status_code == 401
    assert (await sales.client.get("/api/v1/orders", headers=auth("warehouse"))).status_code == 403
    assert (await sales.client.get("/api/v1/orders", headers=auth("auditor"))).status_code == 200


async def _confirmed_with_outbound(sales: Harness) -> dict[str, Any]:
    order = await sales.confirmed(await sales.customer())
    stock = [StockLine(line_no=x["line_no"], sku=x["sku"], qty=D(x["qty"])) for x in order["lines"]]
    await sales.send(
        OutboundOrderCreated(
            do_no=doc("DO"), order_no=order["order_no"], warehouse_code="WH1", lines=stock, priority=5, created_at=now()
        )
    )
    return order


async def test_edit_before_picking_adjusts_the_reservation_and_rechecks_credit(sales: Harness) -> None:
    order = await _confirmed_with_outbound(sales)
    no = order["order_no"]
    body = {
        "reason": "客户加量",
        "lines": [
            {"line_no": 1, "sku": "SKU-A", "qty": "5", "unit_price": "100.00", "discount": "0.1", "tax_rate": "0.13"},
            {"line_no": 3, "sku": "SKU-C", "qty": "1", "unit_price": "10.00"},
        ],
    }
    r = await sales.client.put(f"/api/v1/orders/{no}/lines", json=body, headers=SELLER)
    assert r.status_code == 200, r.text
    amended = r.json()
    assert amended["status"] == "reserving" and amended["revision"] == 2
    assert amended["totals"] == {"net": "460.00", "tax": "58.50", "gross": "518.50"}
    [adjust] = await sales.wait_published(no, "AdjustReservation")
    assert adjust["revision"] == 2
    assert [(x["line_no"], x["sku"], D(x["qty"])) for x in adjust["lines"]] == [
        (1, "SKU-A", D(5)),
        (2, "SKU-B", D(0)),
        (3, "SKU-C", D(1)),
    ]
    [event] = await sales.wait_published(no, "OrderAmended")
    assert event["revision"] == 2 and event["amended_by"] == "seller.wang"
    reserved = [
        ReservedLine(line_no=1, sku="SKU-A", warehouse_code="WH1", qty=D(5)),
        ReservedLine(line_no=3, sku="SKU-C", warehouse_code="WH1", qty=D(1)),
    ]
    await sales.send(ReservationAdjusted(order_no=no, revision=2, lines=reserved, adjusted_at=now()))
    checks = await sales.wait_published(no, "CheckCredit", count=2)
    assert (checks[1]["revision"], checks[1]["amount"]) == (2, "518.50")
    stale = await sales.credit_ok(amended, revision=1)  # an approval of revision 1 does not confirm revision 2
    await sales.processed(stale)
    assert (await sales.detail(no))["status"] == "awaiting_credit"
    await sales.credit_ok(amended, revision=2)
    detail = await sales.status_is(no, "confirmed")
    confirmations = await sales.wait_published(no, "OrderConfirmed", count=2)
    assert confirmations[1]["revision"] == 2 and confirmations[1]["totals"]["gross"] == "518.50"
    assert [(x["line_no"], D(x["reserved_qty"])) for x in detail["lines"]] == [(1, D(5)), (3, D(1))]

    # an amendment inventory cannot serve: the order returns to the lines it holds
    body["lines"][0]["qty"] = "500"
    r = await sales.client.put(f"/api/v1/orders/{no}/lines", json=body, headers=SELLER)
    assert r.status_code == 200 and r.json()["revision"] == 3
    short = ShortageLine(line_no=1, sku="SKU-A", qty_requested=D(500), qty_available=D(7))
    await sales.send(
        ReservationAdjustmentFailed(order_no=no, revision=3, reason="out_of_stock", shortages=[short], failed_at=now())
    )
    checks = await sales.wait_published(no, "CheckCredit", count=3)
    assert (checks[2]["revision"], checks[2]["amount"]) == (4, "518.50")
    detail = await sales.status_is(no, "awaiting_credit")
    assert detail["revision"] == 4 and [D(x["qty"]) for x in detail["lines"]] == [D(5), D(1)]


async def test_edit_after_picking_is_refused_until_the_warehouse_unpicks(sales: Harness) -> None:
    order = await sales.confirmed(await sales.customer())
    no, do_no = order["order_no"], doc("DO")
    stock = [StockLine(line_no=x["line_no"], sku=x["sku"], qty=D(x["qty"])) for x in order["lines"]]
    created = OutboundOrderCreated(
        do_no=do_no, order_no=no, warehouse_code="WH1", lines=stock, priority=5, created_at=now()
    )
    await sales.send(created)
    await sales.processed(
        await sales.send(OutboundOrderPicked(do_no=do_no, order_no=no, picked_by="wh", picked_at=now()))
    )
    body = {"reason": "客户改数量", "lines": [{"sku": "SKU-A", "qty": "1", "unit_price": "100.00"}]}
    r = await sales.client.put(f"/api/v1/orders/{no}/lines", json=body, headers=SELLER)
    assert r.status_code == 409 and r.json()["code"] == "order_already_picked", r.text
    assert (await sales.detail(no))["revision"] == 1
    assert "AdjustReservation" not in await sales.types_published(no)
    unpicked = OutboundOrderUnpicked(
        do_no=do_no, order_no=no, lines=stock, reason="改单", unpicked_by="wh", unpicked_at=now()
    )
    await sales.processed(await sales.send(unpicked))
    r = await sales.client.put(f"/api/v1/orders/{no}/lines", json=body, headers=SELLER)
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2
    await sales.wait_published(no, "AdjustReservation")


async def test_edit_after_shipment_is_refused_and_void_records_the_reason(sales: Harness) -> None:
    order = await _confirmed_with_outbound(sales)
    no = order["order_no"]
    shipped = [ShippedLine(line_no=1, sku="SKU-A", qty=D(1), unit_cost=D(50))]
    await sales.send(
        ShipmentDispatched(
            do_no=doc("DO"), order_no=no, warehouse_code="WH1", carrier="SF", lines=shipped, shipped_at=now()
        )
    )
    await sales.status_is(no, "partially_shipped")
    body = {"reason": "typo", "lines": [{"sku": "SKU-A", "qty": "1", "unit_price": "100.00"}]}
    r = await sales.client.put(f"/api/v1/orders/{no}/lines", json=body, headers=SELLER)
    assert r.status_code == 409 and r.json()["code"] == "order_already_shipped"
    r = await sales.client.post(f"/api/v1/orders/{no}/cancel", json={"reason": "x"}, headers=SELLER)
    assert r.status_code == 409 and r.json()["code"] == "order_already_shipped"
    assert "AdjustReservation" not in await sales.types_published(no)
    r = await sales.client.post(f"/api/v1/orders/{no}/void", json={"reason": "数量录错, 退货重开"}, headers=SELLER)
    assert r.status_code == 200 and r.json()["void_reason"] == "数量录错, 退货重开"
    detail = await sales.detail(no)
    assert (detail["status"], detail["revision"]) == ("partially_shipped", 1)
    [voided] = await sales.wait_published(no, "OrderVoided")
    assert (voided["reason"], voided["status"], voided["voided_by"]) == (
        "数量录错, 退货重开",
        "partially_shipped",
        "seller.wang",
    )


async def test_approval_rule_holds_the_order_until_a_manager_approves(sales: Harness) -> None:
    rules = {
        "rules": [
            {"name": "big", "min_amount": "100000.00", "approver_roles": ["sales_manager"]},
            {"name": "discount", "max_discount": "0.2", "approver_roles": ["sales_manager"]},
        ]
    }
    r = await sales.client.put("/api/v1/approval-rules", json=rules, headers=auth("sales_manager", sub="boss"))
    assert r.status_code == 200, r.text
    try:
        customer = await sales.customer()
        cheap = await sales.place(customer)
        assert cheap["status"] == "reserving"
        line = {"sku": "SKU-A", "qty": "1", "unit_price": "100.00", "discount": "0.25"}
        order = await sales.place(customer, lines=[line])
        no = order["order_no"]
        assert order["status"] == "pending_approval"
        # Not one statement (the approval steps too): one transaction.
        async with sales.runtime.db.transaction() as s:
            xmins = await s.execute(
                text(
                    "SELECT xmin::text FROM orders WHERE order_no = :no UNION ALL "
                    "SELECT xmin::text FROM approval_steps WHERE document_no = :no"
                ),
                {"no": no},
            )
            assert len(set(xmins.scalars().all())) == 1
        [requested] = await sales.wait_published(no, "OrderApprovalRequested")
        assert requested["approver_role"] == "sales_manager" and requested["amount"] == "75.00"
        assert "ReserveStock" not in await sales.types_published(no)
        boss = auth("sales_manager", sub="boss")
        inbox = (await sales.client.get("/api/v1/approvals/waiting", headers=boss)).json()
        [waiting] = [x for x in inbox if x["document_no"] == no]
        assert (waiting["document_type"], waiting["role"], waiting["amount"]) == (
            "sales_order",
            "sales_manager",
            "75.00",
        )
        assert waiting["party"] == customer and waiting["level"] == waiting["levels"] == 1
        r = await sales.client.get("/api/v1/approvals/waiting", headers=SELLER)
        assert r.status_code == 403
        r = await sales.client.post(f"/api/v1/orders/{no}/approve", json={}, headers=SELLER)
        assert r.status_code == 403
        r = await sales.client.post(
            f"/api/v1/orders/{no}/approve", json={"comment": "老客户"}, headers=auth("sales_manager", sub="boss")
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "reserving"
        inbox = (await sales.client.get("/api/v1/approvals/waiting", headers=boss)).json()
        assert [x for x in inbox if x["document_no"] == no] == []
        [decided] = await sales.wait_published(no, "OrderApprovalDecided")
        assert (decided["decision"], decided["decided_by"], decided["final"]) == ("approved", "boss", True)
        chain = (await sales.client.get(f"/api/v1/orders/{no}", headers=SELLER)).json()["approval"]
        assert (chain["status"], chain["levels"], chain["current_level"]) == ("approved", ["sales_manager"], None)
        [d] = chain["decisions"]
        assert (d["level"], d["role"], d["decided_by"], d["decision"], d["comment"]) == (
            1,
            "sales_manager",
            "boss",
            "approved",
            "老客户",
        )
        assert d["decided_at"]
        assert (await sales.client.get(f"/api/v1/orders/{cheap['order_no']}", headers=SELLER)).json()[
            "approval"
        ] is None
        await sales.wait_published(no, "ReserveStock")
        r = await sales.client.post(f"/api/v1/orders/{no}/reject", json={"comment": "late"}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "order_not_pending_approval"

        rejected = await sales.place(customer, lines=[line])
        r = await sales.client.post(
            f"/api/v1/orders/{rejected['order_no']}/reject", json={}, headers=auth("sales_manager", sub="boss")
        )
        assert r.status_code == 422 and r.json()["code"] == "comment_required"
        r = await sales.client.post(
            f"/api/v1/orders/{rejected['order_no']}/reject",
            json={"comment": "折扣过高"},
            headers=auth("sales_manager", sub="boss"),
        )
        assert r.status_code == 200 and r.json()["rejection_reason"] == "approval_rejected"
        # amended while waiting: the rules apply to the order as amended (no discount → no approval)
        waiting = await sales.place(customer, lines=[line])
        body = {"reason": "折扣取消", "lines": [{**line, "discount": "0"}]}
        r = await sales.client.put(f"/api/v1/orders/{waiting['order_no']}/lines", json=body, headers=SELLER)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["totals"]["gross"]) == ("reserving", "100.00")
        [reserve] = await sales.wait_published(waiting["order_no"], "ReserveStock")
        assert [D(x["qty"]) for x in reserve["lines"]] == [D(1)]
        tracking = await sales.client.get(f"/api/v1/track/{no}", params={"token": order["tracking_token"]})
        steps = {s["key"]: s["done"] for s in tracking.json()["steps"]}
        assert steps["placed"] and steps["approved"] and not steps["allocated"]
    finally:
        await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=ADMIN)


async def test_list_filters_and_stuck_or_late(sales: Harness) -> None:
    customer = await sales.customer()
    late = await sales.place(customer, requested_date=(now() - timedelta(days=2)).date().isoformat())
    fresh = await sales.place(customer)
    params: dict[str, Any] = {"customer_code": customer}
    r = await sales.client.get("/api/v1/orders", params=params, headers=SELLER)
    assert {x["order_no"] for x in r.json()} == {late["order_no"], fresh["order_no"]}
    r = await sales.client.get("/api/v1/orders", params={**params, "stuck_or_late": "true"}, headers=SELLER)
    assert [x["order_no"] for x in r.json()] == [late["order_no"]]
    sales.clock.advance(timedelta(seconds=31))  # the reservations are now past their deadline
    r = await sales.client.get("/api/v1/orders", params={**params, "stuck_or_late": "true"}, headers=SELLER)
    assert {x["order_no"] for x in r.json()} == {late["order_no"], fresh["order_no"]}
    r = await sales.client.get("/api/v1/orders", params={**params, "status": "confirmed"}, headers=SELLER)
    assert r.json() == []
    day = now().date().isoformat()
    r = await sales.client.get(
        "/api/v1/orders", params={**params, "placed_from": day, "placed_to": day}, headers=SELLER
    )
    assert len(r.json()) == 2
    r = await sales.client.get("/api/v1/orders", params={"status": "nonsense"}, headers=SELLER)
    assert r.status_code == 422


async def test_placing_an_order_wakes_the_relay_in_process_without_a_notify(sales: Harness) -> None:
    """The service runs its relay: the placement's commit wakes it directly (a NOTIFY would serialize commits
    server-wide; see servicekit.outbox). Its events are published all the same."""
    assert sales.runtime.relay is not None
    await eventually(lambda: sales.runtime.relay.is_leader, timeout=10)  # type: ignore[union-attr]
    heard: list[str] = []
    listener = await asyncpg.connect(sales.runtime.settings.asyncpg_dsn)
    try:
        await listener.add_listener("outbox", lambda *args: heard.append(str(args[2])))
        order = await sales.place(await sales.customer())
        assert len(await sales.wait_published(order["order_no"], "OrderPlaced")) == 1
        await listener.execute("SELECT 1")  # a round trip: any notification sent so far has arrived
    finally:
        await listener.close()
    assert heard == []


async def test_the_usual_order_is_checked_and_written_by_two_statements_without_a_transaction_block(
    sales: Harness,
) -> None:
    """Without an approval to start, placing an order is one statement that checks it (customer, rules, channel
    reference, its number) and one that writes it with its lines, history, saga, audit entry and messages:
    atomic by itself, so it runs without BEGIN and COMMIT (two round trips fewer on the hottest endpoint)."""
    customer = await sales.customer()
    logged: dict[int, list[str]] = {}
    attached: list[tuple[Any, Any]] = []

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        raw = _compat.adapted_raw(dbapi_connection)
        queries = logged.setdefault(id(raw), [])

        def logger(record: Any) -> None:
            queries.append(" ".join(record.query.split()))

        raw.add_query_logger(logger)
        attached.append((raw, logger))

    engine = sales.runtime.db.engine.sync_engine
    event.listen(engine, "checkout", on_checkout)
    try:
        order = await sales.place(customer)
    finally:
        event.remove(engine, "checkout", on_checkout)
        for raw, logger in attached:
            raw.remove_query_logger(logger)
    [queries] = [q for q in logged.values() if any(x.startswith("WITH c AS (SELECT active") for x in q)]
    assert len(queries) == 2, queries
    assert queries[0].startswith("WITH c AS (SELECT active") and queries[1].startswith("WITH o AS (INSERT INTO orders")
    assert order["status"] == "reserving"
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    assert {"OrderPlaced", "ReserveStock"} <= set(await sales.types_published(no))
    async with sales.runtime.db.transaction() as s:
        xmins = await s.execute(
            text(
                "SELECT xmin::text FROM orders WHERE order_no = :no UNION ALL "
                "SELECT xmin::text FROM order_lines WHERE order_no = :no UNION ALL "
                "SELECT xmin::text FROM sagas WHERE order_no = :no UNION ALL "
                "SELECT xmin::text FROM audit_log WHERE entity_id = :no"
            ),
            {"no": no},
        )
        assert len(set(xmins.scalars().all())) == 1


async def test_an_orders_events_reach_the_topic_in_the_order_they_happened(sales: Harness) -> None:
    """Read by a real consumer on `sales.orders`: the order exists (OrderPlaced) before any of its state changes,
    and each change starts where the one before it ended."""
    order = await sales.confirmed(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "OrderConfirmed")
    on_topic = [json.loads(r.value) for r in sales.tail.records if r.topic == "sales.orders" and r.key == no.encode()]
    types = [e["type"] for e in on_topic]
    assert types[0] == "OrderPlaced", types
    changes = [e["payload"] for e in on_topic if e["type"] == "OrderStatusChanged"]
    assert changes[0]["from_status"] is None
    assert all(b["from_status"] == a["to_status"] for a, b in itertools.pairwise(changes)), changes
    assert changes[-1]["to_status"] == "confirmed" and types.index("OrderConfirmed") > types.index("OrderPlaced")


async def test_category_rules_apply_to_the_lines_categories_and_admin_is_no_approver(sales: Harness) -> None:
    chem, plain = uid("CHEM"), uid("PLAIN")
    for sku, category in ((chem, "chemicals"), (plain, None)):
        await sales.send(
            ProductUpserted(
                sku=sku,
                name=sku,
                unit="pcs",
                category=category,
                reorder_point=D("0"),
                reorder_qty=D("0"),
                updated_at=now(),
            )
        )

    async def known() -> int:
        async with sales.runtime.db.transaction() as s:
            query = select(func.count()).select_from(product_categories)
            return int(await s.scalar(query.where(product_categories.c.sku.in_([chem, plain]))) or 0)

    await eventually(known, lambda n: n == 2)
    rules = {"rules": [{"name": "chemicals", "categories": ["chemicals"], "approver_roles": ["sales_manager"]}]}
    boss = auth("sales_manager", sub="boss")
    assert (await sales.client.put("/api/v1/approval-rules", json=rules, headers=boss)).status_code == 200
    try:
        customer = await sales.customer()
        line = {"sku": plain, "qty": "1", "unit_price": "10.00"}
        assert (await sales.place(customer, lines=[line]))["status"] == "reserving"
        held = await sales.place(customer, lines=[line, {**line, "sku": chem, "line_no": 2}])
        assert held["status"] == "pending_approval"
        r = await sales.client.post(f"/api/v1/orders/{held['order_no']}/approve", json={}, headers=ADMIN)
        assert r.status_code == 403 and r.json()["code"] == "not_approver"
        r = await sales.client.post(f"/api/v1/orders/{held['order_no']}/approve", json={}, headers=boss)
        assert r.status_code == 200 and r.json()["status"] == "reserving"
    finally:
        assert (await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=boss)).status_code == 200


async def test_an_order_reads_the_same_in_every_response(sales: Harness) -> None:
    """Issue 19: POST /orders echoed decimals as typed ("2", "0") while GET answered the stored scale."""
    customer = await sales.customer()
    placed = await sales.place(customer)
    got = (await sales.client.get(f"/api/v1/orders/{placed['order_no']}", headers=SELLER)).json()
    fields = (
        "line_no",
        "sku",
        "qty",
        "unit_price",
        "discount",
        "tax_rate",
        "net",
        "tax",
        "reserved_qty",
        "shipped_qty",
    )
    assert [{k: x[k] for k in fields} for x in placed["lines"]] == [{k: x[k] for k in fields} for x in got["lines"]]
    assert placed["totals"] == got["totals"]
    assert placed["lines"][0]["qty"] == "2.000" and placed["lines"][1]["discount"] == "0.0000"

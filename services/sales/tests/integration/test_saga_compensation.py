"""Compensation on the real broker and database: refusals, timeouts, cancellation, late and repeated replies."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sales_testkit import ADMIN, SELLER, D, Harness, now

from contracts.common import ShortageLine
from contracts.finance import CreditRefused, SettlementVoided
from contracts.inventory import StockReleased, StockReservationFailed
from servicekit.testing import auth, eventually

pytestmark = pytest.mark.integration


def out_of_stock(order_no: str) -> StockReservationFailed:
    shortage = ShortageLine(line_no=1, sku="SKU-A", qty_requested=D(2), qty_available=D(0))
    return StockReservationFailed(order_no=order_no, reason="out_of_stock", shortages=[shortage], failed_at=now())


async def test_out_of_stock_rejects_without_credit_check(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    await sales.send(out_of_stock(no))
    detail = await sales.status_is(no, "rejected")
    assert detail["rejection_reason"] == "out_of_stock"
    assert detail["saga"]["status"] in ("aborted", "compensated")
    [rejected] = await sales.wait_published(no, "OrderRejected")
    assert rejected["reason"] == "out_of_stock"
    types = await sales.types_published(no)
    assert "CheckCredit" not in types and "ReleaseStock" not in types


async def test_out_of_stock_with_backorder_waits_then_confirms(sales: Harness) -> None:
    order = await sales.place(await sales.customer(), allow_backorder=True, priority=9)
    no = order["order_no"]
    [reserve] = await sales.wait_published(no, "ReserveStock")
    assert reserve["backorder"] is True
    await sales.send(out_of_stock(no))
    detail = await sales.status_is(no, "backordered")
    assert detail["saga"]["status"] == "paused" and detail["saga"]["deadline_at"] is None
    listed = await sales.client.get("/api/v1/orders", params={"status": "backordered"}, headers=SELLER)
    assert no in [x["order_no"] for x in listed.json()]
    # a deadline pass leaves a backorder alone
    sales.clock.advance(timedelta(minutes=10))
    await sales.deadlines()
    assert (await sales.detail(no))["status"] == "backordered"
    # stock arrived: inventory reserves the queued order and says so
    await sales.reserve_ok(order)
    [credit] = await sales.wait_published(no, "CheckCredit")
    assert credit["amount"] == "259.90"
    await sales.credit_ok(order)
    detail = await sales.status_is(no, "confirmed")
    assert [h["to_status"] for h in detail["history"]] == [
        "pending",
        "reserving",
        "backordered",
        "awaiting_credit",
        "confirmed",
    ]


async def test_credit_refused_releases_stock_and_rejects(sales: Harness) -> None:
    customer = await sales.customer()
    order = await sales.place(customer)
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    await sales.reserve_ok(order)
    await sales.wait_published(no, "CheckCredit")
    await sales.send(
        CreditRefused(
            order_no=no,
            customer_code=customer,
            reason="credit_limit",
            credit_limit=D("100.00"),
            exposure=D("0"),
            requested=D("259.90"),
            refused_at=now(),
        ),
        producer="finance",
    )
    detail = await sales.status_is(no, "rejected")
    assert detail["rejection_reason"] == "credit_limit"
    [release] = await sales.wait_published(no, "ReleaseStock")
    assert release["line_nos"] is None
    assert "VoidOrderSettlement" not in await sales.types_published(no)
    assert detail["saga"]["status"] == "compensating" and detail["saga"]["awaiting_release"] is True
    await sales.send(StockReleased(order_no=no, reason="released", released_at=now()))
    await eventually_saga(sales, no, "compensated")


async def eventually_saga(sales: Harness, no: str, status: str) -> None:
    from servicekit.testing import eventually

    await eventually(lambda: sales.detail(no), lambda d: d["saga"]["status"] == status)


async def test_silent_step_is_retried_then_compensated(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    await sales.reserve_ok(order)
    await sales.wait_published(no, "CheckCredit")
    await sales.status_is(no, "awaiting_credit")
    # finance says nothing: before the deadline nothing happens
    sales.clock.advance(timedelta(seconds=10))
    await sales.deadlines()
    assert (await sales.detail(no))["saga"]["attempts"] == 1
    for attempt in (2, 3):
        sales.clock.advance(timedelta(seconds=31))
        await sales.deadlines()
        checks = await sales.wait_published(no, "CheckCredit", count=attempt)
        assert [c["amount"] for c in checks] == ["259.90"] * attempt  # the same command again
        assert (await sales.detail(no))["saga"]["attempts"] == attempt
    sales.clock.advance(timedelta(seconds=31))
    await sales.deadlines()
    detail = await sales.status_is(no, "rejected")
    assert detail["rejection_reason"] == "timeout"
    await sales.wait_published(no, "ReleaseStock")
    await sales.wait_published(no, "VoidOrderSettlement")
    assert len(sales.published(no, "CheckCredit")) == 3
    saga = detail["saga"]
    assert saga["status"] == "compensating" and saga["deadline_at"] is not None
    # the late answer after compensation is compensated again
    await sales.credit_ok(order)
    await sales.wait_published(no, "VoidOrderSettlement", count=2)
    # both acknowledgements end the saga
    await sales.send(StockReleased(order_no=no, released_at=now()))
    await sales.send(
        SettlementVoided(
            order_no=no,
            customer_code=order["customer_code"],
            released_amount=D("259.90"),
            reason="timeout",
            voided_at=now(),
        ),
        producer="finance",
    )
    await eventually_saga(sales, no, "compensated")
    assert (await sales.detail(no))["saga"]["deadline_at"] is None


async def test_cancel_after_reservation_releases_and_voids(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    await sales.reserve_ok(order)
    await sales.wait_published(no, "CheckCredit")
    await sales.status_is(no, "awaiting_credit")
    r = await sales.client.post(f"/api/v1/orders/{no}/cancel", json={"reason": "客户取消"}, headers=SELLER)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    [release] = await sales.wait_published(no, "ReleaseStock")
    [void] = await sales.wait_published(no, "VoidOrderSettlement")
    assert "客户取消" in release["reason"] and void["customer_code"] == order["customer_code"]
    [cancelled] = await sales.wait_published(no, "OrderCancelled")
    assert cancelled["previous_status"] == "awaiting_credit" and cancelled["cancelled_by"] == "seller.wang"
    # a late StockReserved (e.g. a retried command's reply) is released again
    await sales.reserve_ok(order)
    await sales.wait_published(no, "ReleaseStock", count=2)
    assert (await sales.detail(no))["status"] == "cancelled"
    again = await sales.client.post(f"/api/v1/orders/{no}/cancel", json={"reason": "again"}, headers=SELLER)
    assert again.status_code == 409 and again.json()["code"] == "order_not_cancellable"


async def test_same_reply_twice_moves_the_order_once(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    envelope = await sales.reserve_ok(order)
    await sales.redeliver(envelope)  # redelivered: same event id
    repeated = await sales.reserve_ok(order)  # repeated by inventory: new event id, same content
    await sales.processed(repeated)
    await sales.status_is(no, "awaiting_credit")
    credit = await sales.credit_ok(order)
    await sales.redeliver(credit)
    repeated = await sales.credit_ok(order)
    await sales.processed(repeated)
    detail = await sales.status_is(no, "confirmed")
    await sales.wait_published(no, "OrderConfirmed")
    assert [h["to_status"] for h in detail["history"]] == ["pending", "reserving", "awaiting_credit", "confirmed"]
    assert len(sales.published(no, "CheckCredit")) == 1
    assert len(sales.published(no, "OrderConfirmed")) == 1


async def test_silent_inventory_is_retried_then_released_without_void(sales: Harness) -> None:
    order = await sales.place(await sales.customer())
    no = order["order_no"]
    await sales.wait_published(no, "ReserveStock")
    for attempt in (2, 3):
        sales.clock.advance(timedelta(seconds=31))
        await sales.deadlines()
        await sales.wait_published(no, "ReserveStock", count=attempt)
    sales.clock.advance(timedelta(seconds=31))
    await sales.deadlines()
    detail = await sales.status_is(no, "rejected")
    assert detail["rejection_reason"] == "timeout"
    await sales.wait_published(no, "ReleaseStock")
    types = await sales.types_published(no)
    assert types.count("ReserveStock") == 3 and "CheckCredit" not in types and "VoidOrderSettlement" not in types
    events = [e["event"] for e in detail["saga"]["steps"]]
    assert events[:3] == ["requested", "re-sent (attempt 2)", "re-sent (attempt 3)"]
    # the compensation itself is re-sent while unacknowledged, then left for people as `failed`
    for attempt in (2, 3):
        sales.clock.advance(timedelta(seconds=31))
        await sales.deadlines()
        await sales.wait_published(no, "ReleaseStock", count=attempt)
    sales.clock.advance(timedelta(seconds=31))
    await sales.deadlines()
    saga = (await sales.detail(no))["saga"]
    assert (saga["status"], saga["deadline_at"]) == ("failed", None)
    r = await sales.client.get("/api/v1/orders", params={"stuck_or_late": "true"}, headers=SELLER)
    assert no in [x["order_no"] for x in r.json()]
    # a late acknowledgement still closes it
    await sales.send(StockReleased(order_no=no, released_at=now()))
    await eventually_saga(sales, no, "compensated")


async def test_undecided_approval_times_out(sales: Harness) -> None:
    rules = {"rules": [{"name": "all", "min_amount": "0", "approver_roles": ["sales_manager"]}]}
    assert (await sales.client.put("/api/v1/approval-rules", json=rules, headers=ADMIN)).status_code == 200
    try:
        order = await sales.place(await sales.customer())
    finally:
        await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=ADMIN)
    no = order["order_no"]
    assert order["status"] == "pending_approval"
    saga = (await sales.detail(no))["saga"]
    assert saga["deadline_at"] is not None and saga["step"] == "approval"
    sales.clock.advance(timedelta(days=2))
    await sales.deadlines()
    assert (await sales.detail(no))["status"] == "pending_approval"
    sales.clock.advance(timedelta(days=1, seconds=1))
    await sales.deadlines()  # due: reminded first
    assert (await sales.detail(no))["status"] == "pending_approval"
    sales.clock.advance(timedelta(days=1, seconds=1))
    await sales.deadlines()  # then escalated: sales_manager → admin
    assert (await sales.detail(no))["status"] == "pending_approval"
    sales.clock.advance(timedelta(days=1, seconds=1))
    await sales.deadlines()  # past the end of the chain: rejected
    detail = await sales.status_is(no, "rejected")
    assert (detail["rejection_reason"], detail["saga"]["status"]) == ("timeout", "aborted")
    types = await sales.types_published(no)
    assert "ReserveStock" not in types and "ReleaseStock" not in types


async def test_an_approval_past_its_deadline_is_reminded_then_escalated(sales: Harness) -> None:
    rules = {"rules": [{"name": "all", "min_amount": "0", "approver_roles": ["sales_manager"]}]}
    assert (await sales.client.put("/api/v1/approval-rules", json=rules, headers=ADMIN)).status_code == 200
    try:
        order = await sales.place(await sales.customer())
    finally:
        await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=ADMIN)
    no = order["order_no"]
    sales.clock.advance(timedelta(days=3, seconds=1))
    await sales.deadlines()
    await eventually(lambda: sales.types_published(no), lambda ts: ts.count("OrderApprovalRequested") == 2)
    assert "OrderApprovalEscalated" not in await sales.types_published(no)  # a reminder first
    sales.clock.advance(timedelta(days=1, seconds=1))
    await sales.deadlines()
    types = await eventually(lambda: sales.types_published(no), lambda ts: "OrderApprovalEscalated" in ts)
    assert types.count("OrderApprovalRequested") == 3  # the escalated level, requested of its new role
    detail = await sales.detail(no)
    assert detail["status"] == "pending_approval"
    assert "escalated from sales_manager to admin" in detail["saga"]["steps"][-1]["event"]
    refused = await sales.client.post(
        f"/api/v1/orders/{no}/approve", json={"comment": "ok"}, headers=auth("sales_manager", sub="mgr.wu")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_approver"  # the level is admin's now
    approved = await sales.client.post(f"/api/v1/orders/{no}/approve", json={"comment": "ok"}, headers=ADMIN)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "reserving"


async def test_a_rule_escalation_chain_escalates_then_rejects_at_its_end(sales: Harness) -> None:
    """The rule's own chain and offsets (not the service's 3 days, 1 day, sales_manager → admin): reminded after
    2 hours, escalated each hour along finance_manager, admin; rejected only past admin, the chain's end."""
    rule = {"name": "chained", "min_amount": "0", "approver_roles": ["sales_manager"],
            "escalation_chain": ["finance_manager", "admin"],
            "remind_after_hours": 2, "escalate_after_hours": 1}  # fmt: skip
    bad = {"rules": [{**rule, "escalation_chain": ["nobody"]}]}
    r = await sales.client.put("/api/v1/approval-rules", json=bad, headers=ADMIN)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["rules.0.escalation_chain.0"]
    assert (await sales.client.put("/api/v1/approval-rules", json={"rules": [rule]}, headers=ADMIN)).status_code == 200
    try:
        placed_at = sales.clock.now()
        order = await sales.place(await sales.customer())
    finally:
        await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=ADMIN)
    no = order["order_no"]
    [requested] = await sales.wait_published(no, "OrderApprovalRequested")
    assert datetime.fromisoformat(requested["due_at"]) == placed_at + timedelta(hours=2)  # the rule's, not 3 days

    async def after(minutes: int) -> list[str]:
        sales.clock.advance(timedelta(minutes=minutes))
        await sales.deadlines()
        return await sales.types_published(no)

    assert (await after(110)).count("OrderApprovalRequested") == 1  # not due yet
    assert (await after(11)).count("OrderApprovalRequested") == 2  # reminded first
    assert "OrderApprovalEscalated" not in await after(50)
    await after(11)
    [first] = await sales.wait_published(no, "OrderApprovalEscalated")
    assert (first["from_role"], first["to_role"]) == ("sales_manager", "finance_manager")
    await after(61)
    escalated = await sales.wait_published(no, "OrderApprovalEscalated", count=2)
    assert (escalated[1]["from_role"], escalated[1]["to_role"]) == ("finance_manager", "admin")
    assert (await sales.detail(no))["status"] == "pending_approval"
    await after(61)  # past the chain's end
    detail = await sales.status_is(no, "rejected")
    assert detail["rejection_reason"] == "timeout"
    assert "admin: end of the escalation chain" in detail["status_reason"]


async def test_the_next_level_has_its_own_deadline_reminded_first(sales: Harness) -> None:
    """Level 2 is not late because level 1 took its time: its deadline runs from level 1's approval, by its own
    rule's offset, and it is reminded before it is escalated (to its rule's chain)."""
    rules = {
        "rules": [
            {"name": "first", "min_amount": "0", "approver_roles": ["sales_manager"], "remind_after_hours": 2},
            {"name": "second", "min_amount": "0", "approver_roles": ["finance_manager"], "remind_after_hours": 5,
             "escalate_after_hours": 1, "escalation_chain": ["admin"]},
        ]
    }  # fmt: skip
    assert (await sales.client.put("/api/v1/approval-rules", json=rules, headers=ADMIN)).status_code == 200
    try:
        order = await sales.place(await sales.customer())
    finally:
        await sales.client.put("/api/v1/approval-rules", json={"rules": []}, headers=ADMIN)
    no = order["order_no"]
    sales.clock.advance(timedelta(hours=2, seconds=1))
    await sales.deadlines()  # level 1 reminded
    await sales.wait_published(no, "OrderApprovalRequested", count=2)
    sales.clock.advance(timedelta(minutes=30))
    approved_at = sales.clock.now()
    r = await sales.client.post(
        f"/api/v1/orders/{no}/approve", json={"comment": "ok"}, headers=auth("sales_manager", sub="mgr.wu")
    )
    assert r.status_code == 200, r.text
    requested = await sales.wait_published(no, "OrderApprovalRequested", count=3)
    assert (requested[2]["level"], requested[2]["approver_role"]) == (2, "finance_manager")
    assert datetime.fromisoformat(requested[2]["due_at"]) == approved_at + timedelta(hours=5)
    sales.clock.advance(timedelta(hours=4))
    await sales.deadlines()
    assert len(await sales.wait_published(no, "OrderApprovalRequested", count=3)) == 3  # not due yet
    sales.clock.advance(timedelta(hours=1, seconds=1))
    await sales.deadlines()  # reminded, not escalated
    await sales.wait_published(no, "OrderApprovalRequested", count=4)
    assert "OrderApprovalEscalated" not in await sales.types_published(no)
    sales.clock.advance(timedelta(hours=1, seconds=1))
    await sales.deadlines()
    [escalated] = await sales.wait_published(no, "OrderApprovalEscalated")
    assert (escalated["level"], escalated["from_role"], escalated["to_role"]) == (2, "finance_manager", "admin")

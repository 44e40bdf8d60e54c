"""The gateway's pure rules: lockout, password policy, roles, visibility; the notices events become; the hub."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from gateway.consumers import NOTICES, live_topics, notice_of
from gateway.domain import LockoutPolicy, Notice, UserError, check_password, check_roles, may_see
from gateway.live import LiveHub
from gateway.ratelimit import RateLimiter

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
POLICY = LockoutPolicy(5, timedelta(minutes=15), timedelta(minutes=15))


def test_five_failures_within_the_window_lock() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2, 0)]
    assert POLICY.locked_until(failures, NOW) == NOW + timedelta(minutes=15)
    assert POLICY.locked_until(failures[1:], NOW) is None  # four are not enough


def test_five_failures_spread_wider_than_the_window_do_not_lock() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (16, 12, 8, 4, 0)]
    assert POLICY.locked_until(failures, NOW) is None


def test_the_lock_ends() -> None:
    failures = [NOW - timedelta(minutes=20, seconds=s) for s in range(5)]
    assert POLICY.locked_until(failures, NOW) is None


def test_weak_passwords_and_unknown_roles_are_refused() -> None:
    for weak in ("short", "aaaaaaaaaaaa", "sales-user1"):
        with pytest.raises(UserError):
            check_password(weak, min_length=10, username="sales-user1")
    check_password("a-good-password-1", min_length=10, username="sales")
    with pytest.raises(UserError):
        check_roles(["sales", "root"])
    assert check_roles(["auditor", "sales", "sales"]) == ("sales", "auditor")


def test_visibility_per_role() -> None:
    assert not may_see(frozenset({"warehouse"}), "finance")
    assert may_see(frozenset({"warehouse"}), "inventory")
    assert may_see(frozenset({"auditor"}), "finance") and may_see(frozenset({"admin"}), "finance")
    assert not may_see(frozenset({"sales"}), "purchasing")


def test_events_become_notices() -> None:
    env = {"type": "OrderStatusChanged", "occurred_at": "2026-12-02T12:00:00Z",
           "payload": {"order_no": "SO-2026-000001", "to_status": "backordered", "reason": "out_of_stock"}}  # fmt: skip
    notice = notice_of("sales", env)
    assert notice == Notice("sales_order", "SO-2026-000001", "backordered", True, "out_of_stock", "sales",
                            "OrderStatusChanged", "2026-12-02T12:00:00Z")  # fmt: skip
    low = notice_of("inventory", {"type": "LowStockDetected", "payload": {"sku": "SKU-1"}})
    assert low is not None and low.entity == "stock" and low.number == "SKU-1" and low.anomaly
    requested = {"type": "ApprovalRequested", "payload": {"document_type": "purchase_order", "document_no": "PO-1"}}
    approval = notice_of("purchasing", requested)
    assert approval is not None and approval.entity == "purchase_order" and approval.status == "pending_approval"
    assert notice_of("sales", {"type": "Unknown", "payload": {}}) is None
    assert notice_of("sales", {"type": "OrderPlaced", "payload": {}}) is None  # no number: nothing to show


def test_every_event_of_the_registry_has_a_notice() -> None:
    for topic in live_topics():
        for message in topic.messages:
            assert message.message_type.startswith("Approval") or message.message_type in NOTICES, message


def _notice(service: str, number: str = "SO-1") -> Notice:
    return Notice("sales_order", number, None, False, None, service, "X", "")


async def test_a_slow_client_is_dropped_and_the_others_are_not() -> None:
    hub = LiveHub(ring_size=100, client_buffer=3, max_clients=10)
    slow, fast = hub.subscribe(frozenset({"sales"})), hub.subscribe(frozenset({"sales"}))
    assert slow is not None and fast is not None
    for i in range(5):
        hub.publish(_notice("sales", f"SO-{i}"))
        await asyncio.sleep(0)
        while not fast.queue.empty():
            fast.queue.get_nowait()
    assert slow.dropped and not fast.dropped and hub.clients == 1 and hub.dropped == 1


async def test_replay_gives_what_was_missed_that_the_roles_may_see() -> None:
    hub = LiveHub(ring_size=3, client_buffer=10, max_clients=10)
    client = hub.subscribe(frozenset({"warehouse"}))
    assert client is not None
    ids = [hub.publish(_notice(s)).id for s in ("sales", "finance", "inventory", "sales")]
    missed, complete = hub.replay(client, ids[1])
    assert [e.id for e in missed] == [ids[2], ids[3]] and complete
    missed, complete = hub.replay(client, ids[0] - 1)  # older than the ring holds
    assert not complete


def test_the_rate_limiter() -> None:
    limiter = RateLimiter(per_minute=2)
    assert limiter.allow("a", now=0)[0] and limiter.allow("a", now=0)[0]
    allowed, retry = limiter.allow("a", now=0)
    assert not allowed and retry == pytest.approx(30)
    assert limiter.allow("b", now=0)[0]
    assert limiter.allow("a", now=31)[0]

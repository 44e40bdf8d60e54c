"""What the console's order board and tracking page read: list items with their progress steps and why they
are in trouble, sorting, the per-status counts, 'today' as an instant, and the carrier on the tracking view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sales_testkit import SELLER, D, Harness, doc, now
from sqlalchemy import text

from contracts.inventory import ShipmentDispatched, ShippedLine
from servicekit.testing import eventually

pytestmark = pytest.mark.integration


async def _list(sales: Harness, **params: Any) -> list[dict[str, Any]]:
    r = await sales.client.get("/api/v1/orders", params=params, headers=SELLER)
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_list_items_carry_progress_trouble_and_sort(sales: Harness) -> None:
    customer = await sales.customer()
    overdue = await sales.place(customer, requested_date=(now() - timedelta(days=2)).date().isoformat())
    cheap = await sales.place(customer, lines=[{"sku": "SKU-A", "qty": "1", "unit_price": "1.00"}])
    rows = await _list(sales, customer_code=customer)
    assert [r["order_no"] for r in rows] == [cheap["order_no"], overdue["order_no"]]  # newest first
    first = rows[1]
    assert [s["key"] for s in first["progress"]] == [
        "placed", "approved", "allocated", "outbound", "shipped", "delivered", "settled",
    ]  # fmt: skip
    assert first["progress"][0]["done"] and first["progress"][0]["at"] is not None
    assert not first["progress"][2]["done"]
    assert first["overdue"] and not first["stuck"] and first["late"]
    assert not rows[0]["overdue"] and rows[0]["rejection_reason"] is None
    by_gross = await _list(sales, customer_code=customer, sort="gross")
    assert [r["order_no"] for r in by_gross] == [cheap["order_no"], overdue["order_no"]]
    by_gross = await _list(sales, customer_code=customer, sort="-gross")
    assert [r["order_no"] for r in by_gross] == [overdue["order_no"], cheap["order_no"]]
    r = await sales.client.get("/api/v1/orders", params={"sort": "customer_name"}, headers=SELLER)
    assert r.status_code == 422


async def test_status_counts_and_today_as_an_instant(sales: Harness) -> None:
    customer = await sales.customer()
    for _ in range(3):
        await sales.place(customer)
    r = await sales.client.get(
        "/api/v1/orders/status-counts", params={"customer_code": customer, "status": "confirmed"}, headers=SELLER
    )
    assert r.status_code == 200, r.text
    counts = r.json()["counts"]
    assert sum(counts.values()) == 3, counts  # the status filter does not narrow the counts
    r = await sales.client.get(
        "/api/v1/orders/status-counts", params={"customer_code": customer, "stuck_or_late": "true"}, headers=SELLER
    )
    assert r.json()["counts"] == {}
    sales.clock.advance(timedelta(seconds=31))  # the reservations are now past their deadline: stuck
    r = await sales.client.get(
        "/api/v1/orders/status-counts", params={"customer_code": customer, "stuck_or_late": "true"}, headers=SELLER
    )
    assert sum(r.json()["counts"].values()) == 3
    midnight_shanghai = (now() + timedelta(hours=8)).replace(hour=0, minute=0, second=0, microsecond=0)
    after = (midnight_shanghai - timedelta(hours=8)).replace(tzinfo=UTC).isoformat()
    assert len(await _list(sales, customer_code=customer, placed_after=after)) == 3
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await _list(sales, customer_code=customer, placed_after=tomorrow) == []
    r = await sales.client.get("/api/v1/orders", params={"placed_after": "2026-01-01T00:00:00"}, headers=SELLER)
    assert r.status_code == 422  # an instant needs its offset


async def test_the_date_filters_are_ranges_the_placed_at_index_serves(sales: Harness) -> None:
    day = now().date().isoformat()
    async with sales.runtime.db.transaction() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in await s.execute(
                text("EXPLAIN SELECT order_no FROM orders WHERE placed_at >= :a AND placed_at < :b"),
                {"a": datetime.now(UTC) - timedelta(days=1), "b": datetime.now(UTC)},
            )
        )
    assert "placed_at" in plan and "Index" in plan, plan
    customer = await sales.customer()
    await sales.place(customer)
    assert len(await _list(sales, customer_code=customer, placed_from=day, placed_to=day)) == 1
    yesterday = (now() - timedelta(days=1)).date().isoformat()
    assert await _list(sales, customer_code=customer, placed_to=yesterday) == []


async def test_tracking_shows_the_carrier_and_tracking_number_once_shipped(sales: Harness) -> None:
    customer = await sales.customer()
    order = await sales.confirmed(customer)
    no = order["order_no"]
    shipped = [
        ShippedLine(line_no=x["line_no"], sku=x["sku"], qty=D(x["qty"]), unit_cost=D(50)) for x in order["lines"]
    ]
    await sales.send(
        ShipmentDispatched(
            do_no=doc("DO"), order_no=no, warehouse_code="WH1", carrier="SF", tracking_no="SF123456789",
            lines=shipped, shipped_at=now(),
        )
    )  # fmt: skip
    await sales.status_is(no, "shipped")
    token = (await sales.detail(no))["tracking_token"]

    async def track() -> dict[str, Any]:
        r = await sales.client.get(f"/api/v1/track/{no}", params={"token": token})
        assert r.status_code == 200, r.text
        return dict(r.json())

    view = await eventually(track, lambda v: v["carrier"] == "SF")
    assert view["tracking_no"] == "SF123456789"
    assert {s["key"]: s["done"] for s in view["steps"]}["shipped"]
    detail = await sales.detail(no)
    assert [s["done"] for s in detail["progress"]][:5] == [True, True, True, True, True]


async def test_quote_prices_lines_like_an_order_and_stores_nothing(sales: Harness) -> None:
    body = {"lines": [{"sku": "SKU-A", "qty": "3", "unit_price": "33.33", "discount": "0.1", "tax_rate": "0.13"},
                      {"sku": "SKU-B", "qty": "1", "unit_price": "0.05", "tax_rate": "0.13"}]}  # fmt: skip
    r = await sales.client.post("/api/v1/orders/quote", json=body, headers=SELLER)
    assert r.status_code == 200, r.text
    quote = r.json()
    assert [(x["net"], x["tax"]) for x in quote["lines"]] == [("89.99", "11.70"), ("0.05", "0.01")]
    assert quote["totals"] == {"net": "90.04", "tax": "11.71", "gross": "101.75"}
    customer = await sales.customer()
    placed = await sales.place(customer, lines=body["lines"])
    assert placed["totals"] == quote["totals"]
    r = await sales.client.post("/api/v1/orders/quote", json={"lines": [{"sku": "X", "qty": "0", "unit_price": "1"}]},
                                headers=SELLER)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("qty"), r.text


async def test_customer_search_by_code_or_name(sales: Harness) -> None:
    code = await sales.customer(name="杭州搜索测试_%贸易")
    for q in (code[-6:], "搜索测试_%"):
        r = await sales.client.get("/api/v1/customers", params={"q": q, "limit": 5}, headers=SELLER)
        assert r.status_code == 200, r.text
        assert [c["code"] for c in r.json()] == [code], q
    r = await sales.client.get("/api/v1/customers", params={"q": "_%_%_%_nothing"}, headers=SELLER)
    assert r.json() == []


async def test_the_audit_trail_of_an_order(sales: Harness) -> None:
    customer = await sales.customer()
    order = await sales.place(customer)
    no = order["order_no"]
    r = await sales.client.post(f"/api/v1/orders/{no}/cancel", json={"reason": "客户取消"}, headers=SELLER)
    assert r.status_code == 200, r.text
    r = await sales.client.get(f"/api/v1/orders/{no}/audit", headers=SELLER)
    assert r.status_code == 200, r.text
    entries = r.json()
    assert entries and entries[-1]["actor"] and entries[-1]["at"], entries
    assert any("cancel" in e["action"] for e in entries), entries
    r = await sales.client.get("/api/v1/orders/SO-NOPE-1/audit", headers=SELLER)
    assert r.status_code == 404

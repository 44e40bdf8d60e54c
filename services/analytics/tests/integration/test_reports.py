"""Every report's figures, to the cent and the day, for one scripted history (analytics_testkit.Story) that
includes a late event (GRN-1, published last), duplicates (INV-1 delivered twice, and republished under a new
event id) and out-of-order pairs (SO-1 delivered before shipped; DO-2 before the receipt whose cost it carries).
Then the rebuild: a second service replaying every topic from the beginning into an empty database gives the
same figures.

The history, in Shanghai time (UTC+8), warehouse WH, both skus in one category:
- B: opening stock 10 @ 5.0000 on 01-05; never sold.
- PO-1 sent 02-01: 100 A @ 10.00, expected 02-10. GRN-1 02-10 00:30 (late event): 100 received, 98 accepted,
  2 rejected @ 10.0000 (average after 10.0000). BILL-1 02-11: 98 @ 10.50 = 1029.00.
- SO-1 (web) placed 02-15 09:00, confirmed 09:30, shipped 13:00 (DO-1: 30 A @ cost 10.0000), delivered 02-16
  13:00; INV-1 02-15: 30 × 20.00 = 600.00 + 13 % = 678.00, due 02-25; paid 03-01 13:00 (4 days late).
- PO-2 sent 03-01: 50 A @ 12.00, expected 03-05. GRN-2 03-07: 40 received @ 12.0000; average after
  (68 × 10 + 40 × 12) / 108 = 10.7407.
- SO-2 (wechat) placed 03-10 10:00, confirmed 12:00, shipped 03-11 10:00 (DO-2: 20 A @ 10.7407); INV-2 03-11:
  20 × 25.00 = 500.00 + 65.00 = 565.00, due 03-21, unpaid. SO-3 placed 03-12 and cancelled.
- Now: 2026-04-10 12:00.
"""

from __future__ import annotations

from typing import Any

import pytest
from analytics_testkit import Analytics, Story, analytics_service, publish

from servicekit.testing import Infra, eventually

pytestmark = pytest.mark.integration

FEB_MAR = {"from": "2026-02-01", "to": "2026-03-31"}


@pytest.fixture(scope="module")
async def story() -> Story:
    return Story()


@pytest.fixture(scope="module")
async def service(infra: Infra, story: Story) -> Any:
    async with analytics_service(infra) as svc:
        events, late = story.history()
        envelopes = [await publish(svc.producer, m) for m in events]
        inv1 = next(e for e in envelopes if e.type == "InvoiceIssued" and e.key == story.so1)
        await publish(svc.producer, story.history()[0][0], inv1)  # the very same record again
        envelopes.append(await publish(svc.producer, story.invoice(
            story.inv1, story.so1, story.do1, "30", "20.00", "2026-02-15", "2026-02-25")))  # fmt: skip
        envelopes.append(await publish(svc.producer, late))
        await svc.processed(envelopes)
        yield svc


def mine(story: Story, **params: Any) -> dict[str, Any]:
    return {"category": story.category, **params}


async def test_monthly_purchase_vs_sales(service: Analytics, story: Story) -> None:
    """Feb: received 98 × 10.00 = 980.00, billed 1029.00, sales 600.00, COGS 30 × 10.0000 = 300.00, margin 300.00
    (50.00 %). Mar: received 40 × 12.00 = 480.00, sales 500.00, COGS 20 × 10.7407 = 214.814 → 214.81, margin
    285.19 (57.04 %). A's PO price 10.00 → 12.00: +20.00 %, above the 10 % threshold."""
    r = await service.get("purchase-vs-sales", "purchasing_manager", **mine(story, **FEB_MAR))
    months = [
        (m["month"], m["purchases_received"], m["purchases_billed"], m["sales_invoiced"], m["cogs"],
         m["gross_margin"], m["gross_margin_pct"])
        for m in r["months"]
    ]  # fmt: skip
    assert months == [
        ("2026-02", "980.00", "1029.00", "600.00", "300.00", "300.00", "50.00"),
        ("2026-03", "480.00", "0.00", "500.00", "214.81", "285.19", "57.04"),
    ]
    assert {(c["month"], c["category"], c["sales_invoiced"]) for c in r["categories"]} == {
        ("2026-02", story.category, "600.00"),
        ("2026-03", story.category, "500.00"),
    }
    assert [(ln["month"], ln["sku"]) for ln in r["lines"]] == [("2026-02", story.sku_a), ("2026-03", story.sku_a)]
    assert r["price_changes"] == [
        {"sku": story.sku_a, "month": "2026-03", "previous_month": "2026-02", "previous_price": "10.00",
         "price": "12.00", "change_pct": "20.00", "flagged": True}
    ]  # fmt: skip
    sales_only = await service.get("purchase-vs-sales", **mine(story, customer=story.customer, period="2026-03"))
    assert sales_only["months"][0]["sales_invoiced"] == "500.00"


async def test_top_and_slow_movers(service: Analytics, story: Story) -> None:
    """Top: A, 30 + 20 = 50 sold for 600.00 + 500.00 = 1100.00. Slow at 04-10: B, 10 on hand worth 50.00, never
    sold, 95 days since it came in (01-05); A sold 30 days ago (03-11): slow only from 30 days on, 88 on hand
    (98 − 30 + 40 − 20) worth 88 × 10.7407 = 945.18."""
    r = await service.get("movers", "warehouse", **mine(story, **{"from": "2026-02-01", "to": "2026-04-10"}))
    assert [(t["rank"], t["sku"], t["qty"], t["revenue"]) for t in r["top"]] == [(1, story.sku_a, "50.000", "1100.00")]
    assert [
        (s["sku"], s["on_hand"], s["stock_value"], s["last_sale"], s["days_since_last_sale"]) for s in r["slow"]
    ] == [(story.sku_b, "10.000", "50.00", None, 95)]
    r = await service.get("movers", **mine(story, **{"from": "2026-02-01", "to": "2026-04-10"}, slow_days=30))
    assert [(s["sku"], s["on_hand"], s["stock_value"], s["days_since_last_sale"]) for s in r["slow"]] == [
        (story.sku_b, "10.000", "50.00", 95),
        (story.sku_a, "88.000", "945.18", 30),
    ]


async def test_inventory_turnover(service: Analytics, story: Story) -> None:
    """March (31 days), A: 03-01..06 68 × 10.0000 = 680.00 a day, 03-07..10 108 × 10.7407 = 1160.00, 03-11..31
    88 × 10.7407 = 945.18: 6 × 680.00 + 4 × 1160.00 + 21 × 945.18 = 28568.78, average 921.57; COGS 214.81;
    921.57 ÷ 214.81 × 31 = 133.00 days. B: 50.00 a day, no COGS: no turnover. The category: (28568.78 + 31 × 50)
    ÷ 31 = 971.57, × 31 ÷ 214.81 = 140.21 days."""
    r = await service.get("turnover", "finance_manager", **mine(story, period="2026-03"))
    assert r["days"] == 31
    rows = {x["sku"]: (x["average_inventory_value"], x["cogs"], x["turnover_days"]) for x in r["rows"]}
    assert rows == {story.sku_a: ("921.57", "214.81", "133.00"), story.sku_b: ("50.00", "0.00", None)}
    r = await service.get("turnover", **mine(story, period="2026-03", group="category"))
    assert [(x["category"], x["average_inventory_value"], x["turnover_days"]) for x in r["rows"]] == [
        (story.category, "971.57", "140.21")
    ]
    r = await service.get("turnover", **mine(story, period="2026-03", group="warehouse", warehouse=story.wh))
    assert [(x["warehouse"], x["turnover_days"]) for x in r["rows"]] == [(story.wh, "140.21")]


async def test_supplier_scorecard_and_its_publication(service: Analytics, story: Story) -> None:
    """PO-1's line came whole by its expected date (02-10, Shanghai; 02-09 in UTC), PO-2's did not: on time 1/2 =
    50.00 %; fill 140 / 150 = 93.33 %; rejected 2 / 140 = 1.43 %; billed 1029.00 against 98 × 10.00 = 980.00:
    +5.00 %; lead time 02-01 → 02-10 = 9 days actual, quoted (9 + 4) / 2 = 6.50. Score 0.40 × 50 + 0.25 × 93.33 +
    0.20 × 98.57 + 0.15 × (100 − 10 × 5) = 70.55: poor."""
    r = await service.get("supplier-scorecard", "purchaser", supplier=story.supplier, **FEB_MAR)
    [card] = r["suppliers"]
    assert {k: card[k] for k in card if k != "name"} == {
        "supplier_code": story.supplier, "lines": 2, "on_time_pct": "50.00", "fill_pct": "93.33",
        "rejection_pct": "1.43", "price_variance_pct": "5.00", "actual_lead_days": "9.00",
        "quoted_lead_days": "6.50", "score": "70.55", "standing": "poor", "typed_score": "95.00",
    }  # fmt: skip
    r = await service.client.post("/api/v1/reports/supplier-scorecard/publish", headers=_h("purchaser"))
    assert r.status_code == 403
    r = await service.client.post("/api/v1/reports/supplier-scorecard/publish", headers=_h("purchasing_manager"))
    assert r.status_code == 200, r.text
    [scored] = r.json()["published"]
    assert (scored["supplier_code"], scored["score"], scored["standing"]) == (story.supplier, "70.55", "poor")
    assert (scored["period_from"], scored["period_to"], scored["lines_measured"]) == ("2025-04-11", "2026-04-10", 2)
    sent = await service.until("SELECT count(*) FROM outbox", lambda c: c == 0)  # relayed to Kafka
    assert sent == 0
    again = await service.client.post("/api/v1/reports/supplier-scorecard/publish", headers=_h("purchasing_manager"))
    assert again.json()["published"] == []  # unchanged: not published twice


async def test_customer_credit_score(service: Analytics, story: Story) -> None:
    """Invoiced 678.00 + 565.00 = 1243.00; INV-1 paid 4 days late (amount-weighted: 4.00); at 03-31 INV-2 is
    outstanding and overdue (due 03-21): 100 %; one order cancelled. 100 − 2 × 4 − 40 × 1 − 2 × 1 = 50.00: C."""
    r = await service.get("customer-credit", "finance", customer=story.customer, **FEB_MAR)
    [c] = r["customers"]
    assert r["advisory"] is True
    assert {k: c[k] for k in c if k not in ("name", "reasons")} == {
        "customer_code": story.customer, "credit_limit": "10000.00", "invoiced": "1243.00", "invoices": 2,
        "paid": "678.00", "avg_days_late": "4.00", "outstanding": "565.00", "overdue": "565.00",
        "overdue_pct": "100.00", "voided": "0.00", "voids": 0, "cancelled_orders": 1, "score": "50.00", "grade": "C",
    }  # fmt: skip
    assert len(c["reasons"]) == 3 and "4.00 days late" in c["reasons"][0]


async def test_order_cycle(service: Analytics, story: Story) -> None:
    """SO-1 (Feb, web): 0.5 h to confirm, 3.5 h to ship, 24 h to deliver, 312 h to be paid, 340 h in all; within
    every deadline. SO-2 (Mar, wechat): 2 h to confirm (past the 1 h deadline), 22 h to ship, not delivered 722 h
    after shipping (past 72 h). SO-3 was cancelled: left out."""
    r = await service.get("order-cycle", "sales_manager", customer=story.customer, **FEB_MAR)
    feb, mar = r["groups"]
    assert (feb["month"], feb["channel"], feb["orders"]) == ("2026-02", "web", 1)
    assert {k: (v["p50_hours"], v["p90_hours"]) for k, v in feb["steps"].items()} == {
        "placed_to_confirmed": ("0.50", "0.50"), "confirmed_to_shipped": ("3.50", "3.50"),
        "shipped_to_delivered": ("24.00", "24.00"), "delivered_to_paid": ("312.00", "312.00"),
        "placed_to_paid": ("340.00", "340.00"),
    }  # fmt: skip
    assert {k: v["share_pct"] for k, v in feb["stuck"].items()} == dict.fromkeys(
        ("confirmed", "shipped", "delivered", "paid"), "0.00"
    )
    assert (mar["month"], mar["channel"], mar["orders"]) == ("2026-03", "wechat", 1)
    assert mar["steps"]["placed_to_confirmed"]["p50_hours"] == "2.00"
    assert mar["steps"]["confirmed_to_shipped"]["p90_hours"] == "22.00"
    assert mar["steps"]["shipped_to_delivered"] == {"count": 0, "p50_hours": None, "p90_hours": None}
    assert {k: (v["orders"], v["past_deadline"], v["share_pct"]) for k, v in mar["stuck"].items()} == {
        "confirmed": (1, 1, "100.00"), "shipped": (1, 0, "0.00"), "delivered": (1, 1, "100.00"),
        "paid": (0, 0, None),
    }  # fmt: skip


async def test_csv_and_bad_input(service: Analytics, story: Story) -> None:
    csv = await service.get("purchase-vs-sales", **mine(story, **FEB_MAR, format="csv"))
    header, feb, _mar = csv.lstrip("\ufeff").splitlines()
    assert header.startswith("月份 / month,产品编码 / sku,类别 / category,采购入库 / purchases_received")
    xlsx = await service.client.get("/api/v1/reports/turnover", params={"format": "xlsx", "period": "2026-03"},
                                    headers=_h("admin"))  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "turnover-" in xlsx.headers["content-disposition"]
    assert feb.startswith(f"2026-02,{story.sku_a},{story.category},980.00,1029.00,600.00,300.00")
    r = await service.client.get("/api/v1/reports/turnover", params={"period": "2026-13"}, headers=_h("admin"))
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "period", "reason": "period must be YYYY or YYYY-MM"}
    ]
    r = await service.client.get("/api/v1/reports/turnover", params={"from": "2026-03-02", "to": "2026-03-01"},
                                 headers=_h("admin"))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"
    r = await service.client.get("/api/v1/reports/customer-credit", headers=_h("warehouse"))
    assert r.status_code == 403


REPORTS = (
    ("purchase-vs-sales", "category", FEB_MAR),
    ("movers", "category", {"from": "2026-02-01", "to": "2026-04-10", "slow_days": 30}),
    ("turnover", "category", {"period": "2026-03"}),
    ("supplier-scorecard", "supplier", FEB_MAR),
    ("customer-credit", "customer", FEB_MAR),
    ("order-cycle", "customer", FEB_MAR),
)


async def figures(svc: Analytics, story: Story) -> dict[str, Any]:
    values = {"category": story.category, "supplier": story.supplier, "customer": story.customer}
    return {name: await svc.get(name, **{f: values[f]}, **params) for name, f, params in REPORTS}


async def test_rebuild_from_the_beginning_gives_the_same_figures(
    infra: Infra, service: Analytics, story: Story
) -> None:
    before = await figures(service, story)
    assert before["turnover"]["rows"] and before["order-cycle"]["groups"]
    async with analytics_service(infra, from_beginning=True) as rebuilt:
        after = await eventually(lambda: figures(rebuilt, story), lambda f: f == before, timeout=180, interval=1)
    assert after == before


def _h(role: str) -> dict[str, str]:
    from servicekit.testing import auth

    return auth(role)

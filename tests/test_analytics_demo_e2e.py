"""`make up`'s demo (tools.seed_demo, then tools.demo_flow) on the whole platform with the analytics service:
every report answers with figures that follow from the demo's business day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from harness import SERVICES, Platform, in_process

from servicekit.testing import JWT_SECRET, Infra, auth, eventually
from tools import demo_flow, seed_demo
from tools.workload import Api

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> Any:
    async with in_process(
        infra, services=(*SERVICES, "analytics"), start_score_publisher=False, start_snapshot_refresher=False
    ) as p:
        yield p


async def report(p: Platform, name: str, **params: Any) -> Any:
    r = await p["analytics"].get(f"/api/v1/reports/{name}", params=params, headers=auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()


async def test_every_report_has_figures_after_the_demo(platform: Platform) -> None:
    await seed_demo.seed(Api(platform.clients, JWT_SECRET, user="demo-admin"))
    await demo_flow.run(
        Api(platform.clients, JWT_SECRET, user="demo-buyer"),
        Api(platform.clients, JWT_SECRET, user="demo-manager"),
        Api(platform.clients, JWT_SECRET, user="demo-controller"),
    )
    month = date.today().strftime("%Y-%m")

    async def sales() -> Any:
        return await report(platform, "purchase-vs-sales", period=month)

    # sales: 10 × 88.00 + 24 × 25.00 (demo-flow-1), 5 × 138.00 (-2), 60 × 24.00 (-3), all shipped and invoiced
    # today; purchases: 198 of 200 boxes received at 4.00, billed at the PO price
    expected = {"sales_invoiced": "3610.00", "purchases_received": "792.00", "purchases_billed": "792.00"}
    pvs = await eventually(
        sales, lambda r: bool(r["months"]) and expected.items() <= r["months"][0].items(), timeout=60, interval=0.5
    )
    assert Decimal(pvs["months"][0]["cogs"]) > 0
    movers = await report(platform, "movers", period=month)
    assert movers["top"][0]["sku"] == "SKU-CUP-001" and movers["top"][0]["qty"] == "84.000"
    turnover = await report(platform, "turnover", period=month, group="category")
    assert {r["category"] for r in turnover["rows"]} >= {"tea", "tableware"}
    assert all(r["turnover_days"] is not None for r in turnover["rows"] if r["category"] != "packaging")
    cards = (await report(platform, "supplier-scorecard", period=month))["suppliers"]
    [card] = [c for c in cards if c["supplier_code"] == demo_flow.DEMO_SUPPLIER[0]]
    # 198 of 200 arrived: 99 % filled, the line not complete, so not on time in full
    assert (card["fill_pct"], card["on_time_pct"], card["score"] is not None) == ("99.00", "0.00", True)
    credit = (await report(platform, "customer-credit", period=month))["customers"]
    assert {c["customer_code"]: c["invoices"] for c in credit} == {"C-HZ-001": 2, "C-SH-002": 1}
    cycle = (await report(platform, "order-cycle", period=month))["groups"]
    assert {g["channel"] for g in cycle} == {"web", "wechat", "phone"}  # the cancelled app order is left out

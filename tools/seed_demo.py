"""Demo users and data for a new user of `make up`: one user per role at the gateway (development passwords),
a warehouse, products with barcodes and stock, customers, suppliers with quotes, then a day of business
(tools.demo_flow: orders shipped and paid, a purchase received and approved by two managers) so the reports
have figures. Idempotent: running it again changes nothing. The data goes to the services with tokens the
gateway issued (a program with a bearer token, as any integration would do). Prints the console's URL and
the demo users.

    .venv/bin/python -m tools.seed_demo        (gateway on 127.0.0.1:8000, services on 127.0.0.1:8001-8005)"""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta

import httpx

from tools import demo_flow
from tools.workload import Api, BearerApi

PORTS = {"purchasing": 8001, "sales": 8002, "inventory": 8003, "finance": 8004, "notifier": 8005}
GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
# username (= role), display name, development password; `admin` is created by the gateway on first start.
DEMO_USERS = [
    ("admin", "系统管理员", "admin-pass-2026"),
    ("purchaser", "王采购", "purchaser-pass-2026"),
    ("purchasing_manager", "李采购经理", "purchasing-manager-pass-2026"),
    ("sales", "张销售", "sales-pass-2026"),
    ("sales_manager", "赵销售经理", "sales-manager-pass-2026"),
    ("warehouse", "刘仓管", "warehouse-pass-2026"),
    ("finance", "陈会计", "finance-pass-2026"),
    ("finance_manager", "周财务经理", "finance-manager-pass-2026"),
    ("auditor", "孙审计", "auditor-pass-2026"),
]


async def token_of(gateway: httpx.AsyncClient, username: str) -> str:
    """An access token of a demo user (signed in with its development password)."""
    password = next(p for u, _, p in DEMO_USERS if u == username)
    r = await gateway.post("/auth/token", json={"username": username, "password": password})
    if r.status_code != 200:
        raise SystemExit(f"cannot sign in as {username} at the gateway ({r.status_code}): {r.text[:300]}")
    return str(r.json()["access_token"])


async def demo_users(gateway: httpx.AsyncClient) -> str:
    """The demo users (created once); returns an access token of `admin`."""
    admin_password = os.environ.get("GATEWAY_BOOTSTRAP_ADMIN_PASSWORD", DEMO_USERS[0][2])
    r = await gateway.post("/auth/token", json={"username": "admin", "password": admin_password})
    if r.status_code != 200:
        raise SystemExit(f"cannot sign in as admin at the gateway ({r.status_code}): {r.text[:300]}")
    token = str(r.json()["access_token"])
    auth = {"Authorization": f"Bearer {token}"}
    for username, display, password in DEMO_USERS[1:]:
        body = {"username": username, "display_name": display, "email": f"{username}@demo.example",
                "roles": [username], "password": password}  # fmt: skip
        r = await gateway.post("/api/gateway/users", json=body, headers=auth)
        if r.status_code not in (201, 409):
            raise SystemExit(f"creating demo user {username} failed ({r.status_code}): {r.text[:300]}")
    return token


PRODUCTS = [
    # sku, name, category, barcode, reorder point, reorder qty, opening stock, unit cost
    ("SKU-TEA-001", "西湖龙井 250g", "tea", "6901234567001", 20, 100, 120, "58.00"),
    ("SKU-TEA-002", "安溪铁观音 500g", "tea", "6901234567002", 10, 50, 40, "96.50"),
    ("SKU-CUP-001", "青花瓷茶杯", "tableware", "6901234567101", 30, 200, 300, "12.80"),
    ("SKU-POT-001", "紫砂壶", "tableware", "6901234567102", 5, 20, 8, "268.00"),
    ("SKU-BOX-001", "礼品盒", "packaging", "6901234567201", 50, 500, 0, "4.20"),
]
CUSTOMERS = [
    # code, name, email, credit limit, payment terms (days)
    ("C-HZ-001", "杭州茗香贸易有限公司", "buyer@mingxiang.example", "200000.00", 30),
    ("C-SH-002", "上海静安茶社", "orders@jingan-tea.example", "50000.00", 15),
    ("C-BJ-003", "北京小额客户", "owner@bj-small.example", "500.00", 0),
]
SUPPLIERS = [
    # code, name, terms, score, quotes: (sku, price, lead days, min qty)
    ("S-LJ-01", "龙井茶厂", 30, "92", [("SKU-TEA-001", "52.00", 5, 10), ("SKU-TEA-002", "90.00", 7, 10)]),
    ("S-AX-02", "安溪茶业合作社", 45, "85", [("SKU-TEA-002", "86.00", 12, 20)]),
    ("S-JD-03", "景德镇瓷器厂", 30, "88", [("SKU-CUP-001", "11.50", 10, 100), ("SKU-POT-001", "240.00", 20, 5)]),
]


async def seed(api: Api) -> None:
    await api.warehouse("WH-SH", "上海仓")
    for sku, name, category, barcode, point, qty, stock, cost in PRODUCTS:
        if (await api.get("inventory", f"/products/{sku}", ["warehouse"])).status_code == 200:
            continue
        await api.product(
            sku, name=name, category=category, barcodes=[barcode], reorder_point=str(point), reorder_qty=str(qty)
        )
        if stock:
            await api.opening_stock(sku, stock, unit_cost=cost, wh="WH-SH")
    for code, name, email, limit, terms in CUSTOMERS:
        await api.customer(code, credit_limit=limit, terms=terms, name=name, email=email)
    today = date.today()
    for code, name, terms, score, quotes in SUPPLIERS:
        if (await api.get("purchasing", f"/suppliers/{code}", ["purchaser"])).status_code == 200:
            continue
        body = {"code": code, "name": name, "payment_terms_days": terms, "score": score}
        await api.call("purchasing", "POST", "/suppliers", ["purchasing_manager"], json=body)
        for sku, price, lead, min_qty in quotes:
            quote = {
                "sku": sku,
                "unit_price": price,
                "lead_time_days": lead,
                "min_qty": str(min_qty),
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=365)).isoformat(),
            }
            await api.call("purchasing", "POST", f"/suppliers/{code}/quotes", ["purchasing_manager"], json=quote)


async def main() -> None:
    clients = {s: httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30) for s, p in PORTS.items()}
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as gateway:
            token = await demo_users(gateway)
            manager = await token_of(gateway, "purchasing_manager")
            controller = await token_of(gateway, "finance_manager")
        await seed(BearerApi(clients, token))
        if os.environ.get("DEMO_FLOW", "1") != "0":
            # Two managers approve the levels of a purchase: a person decides at most one level.
            await demo_flow.run(
                BearerApi(clients, token),
                BearerApi(clients, manager, user="purchasing_manager"),
                BearerApi(clients, controller, user="finance_manager"),
            )
    finally:
        for client in clients.values():
            await client.aclose()
    print("demo data: warehouse WH-SH; products", ", ".join(p[0] for p in PRODUCTS))
    print("customers", ", ".join(c[0] for c in CUSTOMERS), "(C-BJ-003 has a 500.00 credit limit)")
    print("suppliers", ", ".join(s[0] for s in SUPPLIERS))
    print("reports: http://127.0.0.1:8006/api/v1/reports/... (analytics; see docs/analytics.md)")
    print(f"console: {GATEWAY}  — demo users (development passwords), one per role:")
    for username, display, password in DEMO_USERS:
        print(f"  {username:<19} {password:<29} {display}")
    print(
        f"a token for programs: curl -X POST {GATEWAY}/auth/token -H 'Content-Type: application/json' "
        """-d '{"username":"sales","password":"sales-pass-2026"}'"""
    )


if __name__ == "__main__":
    asyncio.run(main())

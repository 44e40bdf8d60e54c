"""Demo data for a new user of `make up`: a warehouse, products with barcodes and stock, customers, suppliers
with quotes, then a day of business (tools.demo_flow: orders shipped and paid, a purchase received) so the
reports have figures. Idempotent: running it again changes nothing. Prints a token for each role.

    .venv/bin/python -m tools.seed_demo        (services on 127.0.0.1:8001-8005, the development JWT secret)"""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta

import httpx

from servicekit.auth import ROLES, issue_token
from tools import demo_flow
from tools.workload import Api

PORTS = {"purchasing": 8001, "sales": 8002, "inventory": 8003, "finance": 8004, "notifier": 8005}
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret-change-me-in-production")

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
        await seed(Api(clients, SECRET, user="demo-admin"))
        if os.environ.get("DEMO_FLOW", "1") != "0":
            await demo_flow.run(clients, SECRET)
    finally:
        for client in clients.values():
            await client.aclose()
    print("demo data: warehouse WH-SH; products", ", ".join(p[0] for p in PRODUCTS))
    print("customers", ", ".join(c[0] for c in CUSTOMERS), "(C-BJ-003 has a 500.00 credit limit)")
    print("suppliers", ", ".join(s[0] for s in SUPPLIERS))
    print("reports: http://127.0.0.1:8006/api/v1/reports/... (analytics; see docs/analytics.md)")
    print("tokens (Authorization: Bearer …), valid 12 h:")
    for role in ROLES:
        print(f"  {role:<19} {issue_token(SECRET, f'demo-{role}', [role])}")


if __name__ == "__main__":
    asyncio.run(main())

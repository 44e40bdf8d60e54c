"""Helpers for the end-to-end tests: a platform with a warehouse, products with stock and customers."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from harness import Platform, runtime
from sqlalchemy import insert

from servicekit.testing import JWT_SECRET, eventually
from tools.invariants import IN_FLIGHT_GRACE_SECONDS, check_all, stock_value_agrees
from tools.workload import Api


def api(platform: Platform) -> Api:
    return Api(platform.clients, JWT_SECRET, user="e2e")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


async def product_with_stock(a: Api, qty: int, cost: str = "10.00") -> str:
    sku = unique("SKU")
    await a.product(sku, name=f"测试商品 {sku}")
    if qty:
        await a.opening_stock(sku, qty, unit_cost=cost)
    return sku


async def customer(a: Api, credit_limit: str = "1000000.00", terms: int = 30) -> str:
    code = unique("CUST")
    await a.customer(code, credit_limit=credit_limit, terms=terms)
    # Finance learns about customers from sales' CustomerUpserted: wait until it has the credit account.
    await eventually(lambda: a.credit_account_exists(code), bool)
    return code


async def stock_of(a: Api, sku: str) -> dict[str, Decimal]:
    rows = await a.stock(sku)
    assert len(rows) == 1, rows
    return {k: Decimal(str(rows[0][k])) for k in ("on_hand", "reserved", "available")}


async def assert_invariants(platform: Platform) -> None:
    results = await check_all(platform.urls, grace_seconds=IN_FLIGHT_GRACE_SECONDS)
    bad = [r for r in results if not r.valid]
    assert not bad, "\n".join(f"{r.service}: {r.name}: {r.anomalies} e.g. {r.examples}" for r in bad)


async def quiet(platform: Platform, timeout: float = 30) -> None:
    """Wait until every service's outbox has been published (the flows have settled)."""

    async def unsent() -> int:
        results = await check_all(platform.urls, grace_seconds=0)
        return sum(r.anomalies for r in results if r.name == "no outbox row left unsent")

    await eventually(unsent, lambda n: n == 0, timeout=timeout)


NUMBERED = {
    "purchasing": ("PR", "PO"),
    "inventory": ("GRN", "DO"),
    "sales": ("SO", "RMA"),
    "finance": ("INV", "BILL", "PAY", "CN"),
}


async def isolate_numbers(platform: Platform) -> None:
    """Start each service's document numbers at a random point: other test suites publish receipts, bills and
    orders with small made-up numbers on the same topics, and those must never be taken for ours."""
    for service, prefixes in NUMBERED.items():
        if service not in platform.apps:
            continue
        rt = runtime(platform, service)
        seq = rt.tables.document_sequences
        year = rt.clock.now().year
        async with rt.db.transaction() as session:
            for prefix in prefixes:
                start = random.randrange(10**9, 10**10)
                await session.execute(insert(seq).values(prefix=prefix, year=year, last_value=start))


async def books(a: Api, sku: str) -> tuple[Decimal, Decimal]:
    """Finance's stock valuation of a sku: (quantity, value), zeros when it has none."""
    rows: list[dict[str, Any]] = await a.call(
        "finance", "GET", "/ledger/stock-valuation", ["finance"], params={"sku": sku}
    )
    return (Decimal(rows[0]["qty"]), Decimal(rows[0]["value"])) if rows else (Decimal(0), Decimal(0))


async def stock_value_check(platform: Platform) -> Any:
    """The invariant across databases: finance's inventory account against inventory's on hand × average cost."""
    dsns = {s: platform.urls[s].replace("postgresql+asyncpg://", "postgresql://", 1) for s in ("inventory", "finance")}
    return await stock_value_agrees(dsns)

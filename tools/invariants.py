"""Scan the five databases and report, per invariant, valid / invalid with the count of anomalies and the
first examples. Exit status 1 when anything is invalid. Besides each service's own checks, those across two
databases (`CROSS`): finance's inventory account equals inventory's stock valuation.

    eval "$(deploy/local/infra.sh env)"; .venv/bin/python -m tools.invariants [--grace 30]

Database URLs come from <SERVICE>_DATABASE_URL (as `deploy/local/infra.sh env` prints them)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import asyncpg

from servicekit.invariants import Check, Result, report, run_checks

SERVICES = ("purchasing", "sales", "inventory", "finance", "notifier")
# After a flow has settled, an outbox row younger than this is a message still on its way (a reaction to the
# last ones published), not one left unsent.
IN_FLIGHT_GRACE_SECONDS = 5.0


def checks_of(service: str) -> tuple[Check, ...]:
    try:
        module = importlib.import_module(f"{service}.invariants")
    except ModuleNotFoundError:
        return ()
    return tuple(module.CHECKS)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def check_all(urls: dict[str, str], grace_seconds: float = 0) -> list[Result]:
    results: list[Result] = []
    for service, url in urls.items():
        results += await run_checks(_dsn(url), service, checks_of(service), grace_seconds)
    for services, check in CROSS:
        if all(s in urls for s in services):
            results.append(await _settled(check, {s: _dsn(urls[s]) for s in services}, grace_seconds))
    return results


CrossCheck = Callable[[dict[str, str]], Awaitable[Result]]


async def _settled(check: CrossCheck, dsns: dict[str, str], grace_seconds: float) -> Result:
    """A check across databases compares what one service did with what another made of its events: while the
    events may still be on their way (`grace_seconds`), it is asked again until it holds or the time is up."""
    deadline = time.monotonic() + grace_seconds
    while True:
        result = await check(dsns)
        if result.valid or time.monotonic() >= deadline:
            return result
        await asyncio.sleep(0.5)


# Inventory's valuation per sku: on hand (all warehouses) × moving-average cost, and how many movements moved it.
_WAREHOUSE_VALUES = """
    SELECT p.sku, coalesce(s.on_hand, 0) AS on_hand, p.avg_cost, coalesce(m.movements, 0) AS movements
    FROM products p
    LEFT JOIN (SELECT sku, sum(on_hand) AS on_hand FROM stock GROUP BY sku) s ON s.sku = p.sku
    LEFT JOIN (SELECT sku, count(*) AS movements FROM stock_movements GROUP BY sku) m ON m.sku = p.sku
    WHERE s.on_hand IS NOT NULL OR m.movements IS NOT NULL
"""
_BOOK_VALUES = "SELECT sku, qty, value FROM stock_values"
_CONTROL = "SELECT coalesce(sum(debit - credit), 0) FROM journal_lines WHERE account_code = '1200'"
CENT = Decimal("0.01")


def rounding_allowance(movements: int, on_hand: Decimal) -> Decimal:
    """How far the journal's value of a sku may be from on hand × moving-average cost by rounding alone: each
    movement's value is rounded to the cent (finance) and each moving average to 4 places (inventory)."""
    return movements * (CENT + on_hand * Decimal("0.00005"))


async def stock_value_agrees(dsns: dict[str, str]) -> Result:
    """Finance's inventory account (1200) equals inventory's own stock valuation, and per sku the journal's
    quantity equals on hand and its value on hand × moving-average cost (up to `rounding_allowance`)."""
    name = "inventory account equals the warehouse's stock valuation"
    inventory, finance = await asyncpg.connect(dsns["inventory"]), await asyncpg.connect(dsns["finance"])
    try:
        warehouse = {r["sku"]: r for r in await inventory.fetch(_WAREHOUSE_VALUES)}
        books = {r["sku"]: r for r in await finance.fetch(_BOOK_VALUES)}
        control = Decimal(await finance.fetchval(_CONTROL))
    finally:
        await inventory.close()
        await finance.close()
    anomalies: list[dict[str, Any]] = []
    total, allowance = Decimal(0), Decimal(0)
    for sku in sorted(warehouse.keys() | books.keys()):
        w, b = warehouse.get(sku), books.get(sku)
        on_hand = Decimal(w["on_hand"]) if w else Decimal(0)
        value = (on_hand * Decimal(w["avg_cost"])).quantize(CENT) if w else Decimal(0)
        slack = rounding_allowance(int(w["movements"]), on_hand) if w else Decimal(0)
        total, allowance = total + value, allowance + slack
        qty, booked = (Decimal(b["qty"]), Decimal(b["value"])) if b else (Decimal(0), Decimal(0))
        if qty != on_hand or abs(booked - value) > slack:
            anomalies.append({"sku": sku, "on_hand": on_hand, "warehouse_value": value, "qty": qty, "value": booked})
    if abs(control - total) > allowance:
        anomalies.append({"account": "1200", "balance": control, "warehouse_value": total})
    examples = [{k: (v if isinstance(v, str) else str(v)) for k, v in a.items()} for a in anomalies[:5]]
    return Result("finance+inventory", name, len(anomalies), examples)


CROSS: tuple[tuple[tuple[str, ...], CrossCheck], ...] = ((("inventory", "finance"), stock_value_agrees),)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grace", type=float, default=0, help="seconds an outbox row may wait to be sent")
    args = parser.parse_args()
    urls = {s: os.environ[f"{s.upper()}_DATABASE_URL"] for s in SERVICES if f"{s.upper()}_DATABASE_URL" in os.environ}
    if not urls:
        sys.exit('no <SERVICE>_DATABASE_URL set: eval "$(deploy/local/infra.sh env)" first')
    results = asyncio.run(check_all(urls, args.grace))
    print(report(results))
    sys.exit(0 if all(r.valid for r in results) else 1)


if __name__ == "__main__":
    main()

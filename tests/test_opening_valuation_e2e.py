"""An upgraded database: stock on hand from before finance kept a valuation per sku (its receipts booked to the
inventory account without `stock_values`, or never booked at all) gets an opening valuation from inventory's one-off
command (`inventory.opening_valuation`), after which the inventory account equals the warehouse's valuation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import api, assert_invariants, books, customer, product_with_stock, quiet, stock_value_check
from harness import Platform, in_process, runtime
from sqlalchemy import text

from inventory.opening_valuation import publish_valuations
from servicekit.testing import Infra, eventually
from servicekit.unit import unit_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


async def finance_sql(platform: Platform, sql: str, **params: Any) -> list[Any]:
    async with runtime(platform, "finance").db.transaction() as session:
        result = await session.execute(text(sql), params)
        return list(result) if result.returns_rows else []


async def valuation_entries(platform: Platform) -> list[tuple[str, str, Decimal]]:
    rows = await finance_sql(
        platform,
        "SELECT e.source_no, l.account_code, l.debit - l.credit FROM journal_entries e"
        " JOIN journal_lines l ON l.entry_id = e.id WHERE e.source_type = 'stock_valuation' ORDER BY e.id, l.id",
    )
    return [tuple(r) for r in rows]


async def publish(platform: Platform) -> int:
    inventory = runtime(platform, "inventory")
    async with inventory.db.transaction() as session, unit_of(session, inventory, "ops.upgrade") as unit:
        return await publish_valuations(unit)


async def test_stock_from_before_the_valuation_gets_an_opening_valuation(platform: Platform) -> None:
    a = api(platform)
    await a.warehouse()
    legacy = await product_with_stock(a, 10, cost="40.00")
    unbooked = await product_with_stock(a, 5, cost="12.50")
    await eventually(lambda: books(a, unbooked), lambda b: b == (5, Decimal("62.50")), timeout=30)
    await eventually(lambda: books(a, legacy), lambda b: b == (10, Decimal("400.00")), timeout=30)
    # The databases as an upgrade finds them: `legacy`'s 400.00 in the inventory account without its valuation row
    # (how receipts were booked before), `unbooked`'s opening balance never booked (as before: not at all).
    await finance_sql(platform, "DELETE FROM stock_values WHERE sku IN (:a, :b)", a=legacy, b=unbooked)
    opening = "SELECT id FROM journal_entries WHERE source_type = 'stock_opening_balance' AND source_no = :s"
    await finance_sql(platform, f"DELETE FROM journal_lines WHERE entry_id IN ({opening})", s=unbooked)
    await finance_sql(platform, opening.replace("SELECT id", "DELETE"), s=unbooked)

    # After the upgrade, part of the old stock ships: its cost leaves the account and the (missing) valuation.
    cust = await customer(a)
    order = await a.place_order(cust, [(legacy, 3, "100.00")])
    await a.wait_order(order["order_no"], {"confirmed"})
    do = await a.outbound_of(order["order_no"])
    await a.pick_all(do["do_no"])
    await a.ship(do["do_no"])
    assert await eventually(lambda: books(a, legacy), lambda b: b[0] == -3, timeout=30) == (-3, Decimal("-120.00"))
    broken = await stock_value_check(platform)
    assert not broken.valid and {e.get("sku") for e in broken.examples} >= {legacy, unbooked}

    assert await publish(platform) == 2
    assert await eventually(lambda: books(a, unbooked), lambda b: b[0] == 5, timeout=30) == (5, Decimal("62.50"))
    assert await eventually(lambda: books(a, legacy), lambda b: b[0] == 7, timeout=30) == (7, Decimal("280.00"))
    entries = await valuation_entries(platform)
    # Whichever sku finance took first (per-sku keys, two partitions), the same lines:
    assert sorted(entries) == sorted(
        [
            ("unexplained", "1200", Decimal("-400.00")),  # the balance no valuation explained, to opening equity
            ("unexplained", "3000", Decimal("400.00")),
            (legacy, "1200", Decimal("400.00")),  # each sku to the warehouse's value: 280.00 from -120.00
            (legacy, "3000", Decimal("-400.00")),
            (unbooked, "1200", Decimal("62.50")),
            (unbooked, "3000", Decimal("-62.50")),
        ]
    ), entries
    assert (await stock_value_check(platform)).valid
    await quiet(platform)
    await assert_invariants(platform)

    # Run again: where the books agree already, nothing is booked.
    [(before,)] = await finance_sql(platform, "SELECT updated_at FROM stock_values WHERE sku = :s", s=unbooked)
    assert await publish(platform) == 2
    await eventually(
        lambda: finance_sql(platform, "SELECT updated_at FROM stock_values WHERE sku = :s", s=unbooked),
        lambda rows: rows[0][0] > before,
        timeout=30,
    )
    assert await valuation_entries(platform) == entries
    audit = await a.call(
        "inventory", "GET", "/audit", ["auditor"], params={"entity": "stock_valuation", "actor": "ops.upgrade"}
    )
    assert [x["action"] for x in audit] == ["opening_published"] * 2

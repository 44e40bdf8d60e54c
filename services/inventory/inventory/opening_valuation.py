"""The opening valuation (one-off, on upgrade): stock on hand from before finance kept a valuation per sku gets one.

    INVENTORY_DATABASE_URL=… python -m inventory.opening_valuation [--reason TEXT] [--actor NAME]

Writes to inventory's outbox, in one transaction, a `StockValued` per sku that has stock (on hand over every
warehouse at its moving-average cost, the value to the cent; a sku with none left too, so a valuation finance
carries for it goes to zero); the running service's relay publishes them. Finance takes each as the sku's
valuation and books the difference against opening balance equity (`finance.handlers.stock.stock_valued`), so its
inventory account equals the warehouse's valuation (`tools/invariants.py`). Audited (`stock_valuation`
`opening_published`). Run it once after the upgrade while no stock moves (a movement finance has not booked yet
when the valuation is taken would count twice); running it again changes nothing where the books already agree."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal

from sqlalchemy import func, select

from contracts.inventory import StockValued
from contracts.pricing import cents
from inventory.config import InventorySettings, InventoryUnit
from inventory.db import kit, products, stock
from servicekit import audit
from servicekit.clock import SystemClock
from servicekit.db import Database
from servicekit.outbox import Outbox

REASON = "opening valuation on upgrade"


async def publish_valuations(unit: InventoryUnit, reason: str = REASON) -> int:
    """Publish a `StockValued` per sku with stock, valued now (in the unit's transaction, written to the outbox
    when it ends); how many."""
    session, at, actor = unit.session, unit.now, unit.actor or "system"
    on_hand = func.sum(stock.c.on_hand).label("on_hand")
    query = (
        select(products.c.sku, products.c.avg_cost, on_hand)
        .join(stock, stock.c.sku == products.c.sku)
        .group_by(products.c.sku, products.c.avg_cost)
        .order_by(products.c.sku)
    )
    messages = [
        StockValued(
            sku=row.sku,
            qty=row.on_hand,
            unit_cost=row.avg_cost,
            value=cents(row.on_hand * row.avg_cost),
            reason=reason,
            valued_at=at,
        )
        for row in await session.execute(query)
    ]
    for m in messages:
        unit.publish(m)
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="stock_valuation",
        entity_id=at.isoformat(),
        action="opening_published",
        after={"skus": len(messages), "value": str(sum((m.value for m in messages), Decimal(0))), "reason": reason},
    )
    return len(messages)


async def _main(reason: str, actor: str) -> None:
    settings = InventorySettings()
    db = Database(settings.database_url, pool_size=1)
    try:
        async with db.transaction() as session:
            outbox = Outbox(kit, settings.service_name)
            unit = InventoryUnit(session, settings, SystemClock().now(), outbox, actor=actor)
            n = await publish_valuations(unit, reason)
            await unit.flush()
    finally:
        await db.dispose()
    print(f"{n} sku valuations written to the outbox (StockValued); the inventory service publishes them")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reason", default=REASON)
    parser.add_argument("--actor", default="system", help="who runs it (audited)")
    args = parser.parse_args()
    asyncio.run(_main(args.reason, args.actor))


if __name__ == "__main__":
    main()

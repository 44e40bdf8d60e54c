"""Planning a reservation: what an order still wants, and what the locked stock can give it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import ShortageLine
from inventory import domain
from inventory.db import products
from inventory.handlers import holdings
from inventory.handlers.holdings import Held
from inventory.stock import StockBook

Wanted = tuple[int, str, Decimal]  # (line_no, sku, total qty wanted)


@dataclass
class Attempt:
    """The result of trying to bring an order's reservation up to what it wants."""

    allocation: domain.Allocation
    held_after: list[Held]
    shortages: list[ShortageLine]


def plan(book: StockBook, wanted: Sequence[Wanted], held: Sequence[Held], only_wh: str | None) -> Attempt:
    needs = holdings.outstanding(wanted, held)
    warehouses = domain.preferred_warehouses({wh for _, wh in book.rows}, {h.warehouse_code for h in held}, only_wh)
    allocation = domain.allocate(needs, book.available(), warehouses)
    by_line = {line_no: qty for line_no, _, qty in wanted}
    shortages = [
        ShortageLine(
            line_no=s.line_no,
            sku=s.sku,
            qty_requested=by_line[s.line_no],
            qty_available=by_line[s.line_no] - s.missing,
        )
        for s in allocation.shortfalls
    ]
    return Attempt(allocation, holdings.merged(held, allocation.takes), shortages)


async def unknown_skus(session: AsyncSession, skus: set[str]) -> set[str]:
    found = await session.scalars(select(products.c.sku).where(products.c.sku.in_(skus) & products.c.active))
    return skus - set(found)

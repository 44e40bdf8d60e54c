"""What sales keeps of the product catalog: each sku's category (the approval rules may be scoped by it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from contracts.inventory import ProductUpserted
from sales.config import SalesUnit
from sales.db import product_categories


async def product_upserted(tx: SalesUnit, msg: ProductUpserted) -> None:
    stmt = insert(product_categories).values(sku=msg.sku, category=msg.category, updated_at=msg.updated_at)
    await tx.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[product_categories.c.sku],
            set_={"category": stmt.excluded.category, "updated_at": stmt.excluded.updated_at},
            where=product_categories.c.updated_at <= stmt.excluded.updated_at,
        )
    )


async def categories_of(tx: SalesUnit, skus: Iterable[str]) -> list[str]:
    query = select(product_categories.c.category).where(
        product_categories.c.sku.in_(sorted(set(skus))) & product_categories.c.category.is_not(None)
    )
    return [str(c) for c in (await tx.session.scalars(query)).all()]

"""Products (published as ProductUpserted) and warehouses: master data kept by inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import ProductUpserted
from inventory.config import InventoryUnit
from inventory.db import kit, product_barcodes, products, warehouses
from servicekit import audit
from servicekit.errors import DomainError, NotFoundError


@dataclass
class ProductData:
    sku: str
    name: str
    unit: str
    category: str | None = None
    barcodes: list[str] = field(default_factory=list)
    reorder_point: Decimal = Decimal("0")
    reorder_qty: Decimal = Decimal("0")
    active: bool = True

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "category": self.category,
            "reorder_point": self.reorder_point,
            "reorder_qty": self.reorder_qty,
            "active": self.active,
        }


async def load_product(session: AsyncSession, sku: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(products).where(products.c.sku == sku)
    row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
    if row is None:
        return None
    codes = await session.scalars(
        select(product_barcodes.c.barcode).where(product_barcodes.c.sku == sku).order_by(product_barcodes.c.barcode)
    )
    return {**row, "barcodes": list(codes)}


async def save_product(unit: InventoryUnit, actor: str, data: ProductData, *, create: bool) -> dict[str, Any]:
    """Create or update a product with its barcodes (each barcode belongs to one sku), audit and publish it."""
    session, now = unit.session, unit.now
    before = await load_product(session, data.sku, lock=True)
    if create and before is not None:
        raise DomainError("product_exists", f"product {data.sku} already exists", sku=data.sku)
    if not create and before is None:
        raise NotFoundError("product", data.sku)
    if len(set(data.barcodes)) != len(data.barcodes):
        raise DomainError("duplicate_barcode", "a barcode is listed twice")
    if data.barcodes:
        taken = (
            await session.execute(
                select(product_barcodes).where(
                    product_barcodes.c.barcode.in_(data.barcodes) & (product_barcodes.c.sku != data.sku)
                )
            )
        ).first()
        if taken is not None:
            raise DomainError(
                "barcode_taken", f"barcode {taken.barcode} belongs to {taken.sku}", barcode=taken.barcode, sku=taken.sku
            )
    cols = data.columns()
    await session.execute(
        insert(products)
        .values(sku=data.sku, updated_at=now, **cols)
        .on_conflict_do_update(index_elements=[products.c.sku], set_={**cols, "updated_at": now})
    )
    await session.execute(delete(product_barcodes).where(product_barcodes.c.sku == data.sku))
    if data.barcodes:
        await session.execute(insert(product_barcodes).values([{"barcode": b, "sku": data.sku} for b in data.barcodes]))
    after = await load_product(session, data.sku)
    assert after is not None
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="product",
        entity_id=data.sku,
        action="created" if create else "updated",
        before=_plain(before),
        after=_plain(after),
    )
    unit.publish(product_upserted(data, now))
    return after


class ProductFields(Protocol):
    sku: str
    name: str
    unit: str
    category: str | None
    barcodes: list[str]
    reorder_point: Decimal
    reorder_qty: Decimal
    active: bool


def product_upserted(data: ProductFields, now: datetime) -> ProductUpserted:
    """The event of a saved product (by hand or imported)."""
    return ProductUpserted(
        sku=data.sku,
        name=data.name,
        unit=data.unit,
        category=data.category,
        barcodes=data.barcodes,
        reorder_point=data.reorder_point,
        reorder_qty=data.reorder_qty,
        active=data.active,
        updated_at=now,
    )


async def save_warehouse(unit: InventoryUnit, actor: str, code: str, name: str) -> dict[str, Any]:
    session = unit.session
    before = (await session.execute(select(warehouses).where(warehouses.c.code == code))).mappings().first()
    await session.execute(
        insert(warehouses)
        .values(code=code, name=name)
        .on_conflict_do_update(index_elements=[warehouses.c.code], set_={"name": name})
    )
    after = {"code": code, "name": name, "active": True}
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="warehouse",
        entity_id=code,
        action="updated" if before else "created",
        before=_plain(dict(before)) if before else None,
        after=after,
    )
    return after


def _plain(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: v if isinstance(v, str | int | bool | list | None) else str(v) for k, v in row.items()}

"""Products and warehouses over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

from contracts.common import Barcode, Code, Name, NonNegativeQuantity
from inventory.api import exports
from inventory.api.deps import CatalogEditor, Reader
from inventory.config import InventoryUnit, RuntimeDep
from inventory.db import product_barcodes, products, warehouses
from inventory.handlers import catalog
from servicekit.errors import NotFoundError
from servicekit.idempotency import create_once
from servicekit.inputs import OptionalText
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["catalog"])
Unit = Annotated[str, Field(min_length=1, max_length=16)]


class ProductWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    unit: Unit = "pcs"
    category: OptionalText = None
    barcodes: list[Barcode] = Field(default_factory=list, max_length=50)
    reorder_point: NonNegativeQuantity = Decimal("0")
    reorder_qty: NonNegativeQuantity = Decimal("0")
    active: bool = True


class ProductCreate(ProductWrite):
    sku: Code


class ProductRead(ProductCreate):
    model_config = ConfigDict(extra="ignore")
    avg_cost: Decimal


class WarehouseWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Name


class WarehouseRead(WarehouseWrite):
    model_config = ConfigDict(extra="ignore")
    active: bool


def _data(sku: str, body: ProductWrite) -> catalog.ProductData:
    return catalog.ProductData(sku=sku, **body.model_dump(include=set(ProductWrite.model_fields)))


@router.post("/products", status_code=201, response_model=ProductRead)
async def create_product(
    body: ProductCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: CatalogEditor,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def work(unit: InventoryUnit) -> Any:
        saved = await catalog.save_product(unit, principal.sub, _data(body.sku, body), create=True)
        return ProductRead.model_validate(saved).model_dump(mode="json")

    return await create_once(
        runtime, response, key=idempotency_key, principal=principal.sub, endpoint="POST /products", body=body,
        work=work,
    )  # fmt: skip


@router.put("/products/{sku}", response_model=ProductRead)
async def update_product(
    sku: Annotated[str, Path(max_length=64)], body: ProductWrite, runtime: RuntimeDep, principal: CatalogEditor
) -> Any:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        return await catalog.save_product(unit, principal.sub, _data(sku, body), create=False)


@router.delete("/products/{sku}", response_model=ProductRead)
async def deactivate_product(sku: str, runtime: RuntimeDep, principal: CatalogEditor) -> Any:
    """Products are never deleted (the ledger refers to them): they are deactivated and published so."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        current = await catalog.load_product(session, sku)
        if current is None:
            raise NotFoundError("product", sku)
        fields = {k: v for k, v in current.items() if k in ProductWrite.model_fields}
        body = ProductWrite.model_validate({**fields, "active": False})
        return await catalog.save_product(unit, principal.sub, _data(sku, body), create=False)


@router.get("/products", response_model=list[ProductRead])
async def list_products(
    runtime: RuntimeDep,
    _: Reader,
    category: str | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the sku or the name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    format: FormatQuery = None,
) -> Any:
    query = select(products).order_by(products.c.sku)
    if q:  # the order form's product search
        query = query.where(
            or_(products.c.sku.icontains(q, autoescape=True), products.c.name.icontains(q, autoescape=True))
        )
    if category is not None:
        query = query.where(products.c.category == category)
    if active is not None:
        query = query.where(products.c.active == active)
    if format:
        return export_query(runtime.db, exports.with_barcodes(query), exports.PRODUCTS, fmt=format, name="products")
    async with runtime.db.transaction() as session:
        rows = [dict(r) for r in (await session.execute(query.limit(limit))).mappings()]
        codes = await session.execute(
            select(product_barcodes).where(product_barcodes.c.sku.in_([r["sku"] for r in rows]))
        )
    by_sku: dict[str, list[str]] = {}
    for c in codes:
        by_sku.setdefault(c.sku, []).append(c.barcode)
    return [{**r, "barcodes": sorted(by_sku.get(r["sku"], []))} for r in rows]


@router.get("/products/{sku}", response_model=ProductRead)
async def get_product(sku: str, runtime: RuntimeDep, _: Reader) -> Any:
    async with runtime.db.transaction() as session:
        found = await catalog.load_product(session, sku)
    if found is None:
        raise NotFoundError("product", sku)
    return found


@router.get("/barcodes/{barcode}", response_model=ProductRead)
async def product_by_barcode(barcode: str, runtime: RuntimeDep, _: Reader) -> Any:
    async with runtime.db.transaction() as session:
        sku = await session.scalar(select(product_barcodes.c.sku).where(product_barcodes.c.barcode == barcode))
        found = await catalog.load_product(session, sku) if sku else None
    if found is None:
        raise NotFoundError("barcode", barcode)
    return found


@router.post("/warehouses", status_code=201, response_model=WarehouseRead)
async def put_warehouse(body: WarehouseWrite, runtime: RuntimeDep, principal: CatalogEditor) -> Any:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        return await catalog.save_warehouse(unit, principal.sub, body.code, body.name)


@router.get("/warehouses", response_model=list[WarehouseRead])
async def list_warehouses(runtime: RuntimeDep, _: Reader, format: FormatQuery = None) -> Any:
    async with runtime.db.transaction() as session:
        rows = [dict(r) for r in (await session.execute(select(warehouses).order_by(warehouses.c.code))).mappings()]
    return exports.warehouses_export(rows, format) if format else rows

"""HTTP API of suppliers, their quotes, and per-category tolerances (use cases in `handlers/suppliers.py`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import Field
from sqlalchemy import select

from purchasing.config import RuntimeDep
from purchasing.db import supplier_quotes, suppliers
from purchasing.handlers import suppliers as use_cases
from purchasing.handlers.imports import QUOTES, SUPPLIERS
from purchasing.handlers.suppliers import (
    QuoteRead,
    QuoteWrite,
    SupplierCreate,
    SupplierRead,
    SupplierWrite,
    ToleranceWrite,
)
from servicekit.auth import Principal, require
from servicekit.errors import NotFoundError
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["suppliers"])
WRITE = require("purchaser", "purchasing_manager")
READ = require("purchaser", "purchasing_manager", "finance", "finance_manager", "warehouse", read=True)


def _first_contact(part: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda row: (row["contacts"] or [{}])[0].get(part)


# The imports' columns: an export is a filled-in template (a stored supplier's first contact in the contact's).
SUPPLIER_COLUMNS = SUPPLIERS.export_columns(
    values={f"contact_{p}": _first_contact(p) for p in ("name", "phone", "email")}
)
QUOTE_COLUMNS = QUOTES.export_columns()


@router.post("/suppliers", status_code=201, response_model=SupplierRead)
async def create_supplier(
    body: SupplierCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(WRITE)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    return await use_cases.SUPPLIER_DATA.create(runtime, response, principal, idempotency_key, body)


@router.put("/suppliers/{code}", response_model=SupplierRead)
async def update_supplier(
    code: str, body: SupplierWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(WRITE)]
) -> SupplierRead:
    saved = await use_cases.SUPPLIER_DATA.update(runtime, principal, code, body)
    return SupplierRead.model_validate(saved.model_dump())


@router.get("/suppliers", response_model=list[SupplierRead])
async def list_suppliers(
    runtime: RuntimeDep, _: Annotated[Principal, Depends(READ)], format: FormatQuery = None
) -> Any:
    if format:
        return export_query(
            runtime.db, select(suppliers).order_by(suppliers.c.code), SUPPLIER_COLUMNS, fmt=format, name="suppliers"
        )
    async with runtime.db.transaction() as session:
        rows = (await session.execute(select(suppliers).order_by(suppliers.c.code))).mappings()
        return [SupplierRead.model_validate(dict(r)) for r in rows]


@router.get("/suppliers/{code}", response_model=SupplierRead)
async def get_supplier(code: str, runtime: RuntimeDep, _: Annotated[Principal, Depends(READ)]) -> SupplierRead:
    async with runtime.db.transaction() as session:
        row = (await session.execute(select(suppliers).where(suppliers.c.code == code))).mappings().first()
    if row is None:
        raise NotFoundError("supplier", code)
    return SupplierRead.model_validate(dict(row))


@router.post("/suppliers/{code}/quotes", status_code=201, response_model=QuoteRead)
async def add_quote(
    code: str, body: QuoteWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(WRITE)]
) -> QuoteRead:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as tx:
        return await use_cases.add_quote(tx, principal.sub, code, body)


@router.get("/quotes", response_model=list[QuoteRead])
async def list_quotes(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(READ)],
    sku: str | None = None,
    supplier_code: str | None = None,
    format: FormatQuery = None,
) -> Any:
    query = select(supplier_quotes).order_by(supplier_quotes.c.sku, supplier_quotes.c.unit_price)
    if sku:
        query = query.where(supplier_quotes.c.sku == sku)
    if supplier_code:
        query = query.where(supplier_quotes.c.supplier_code == supplier_code)
    if format:
        return export_query(runtime.db, query, QUOTE_COLUMNS, fmt=format, name="quotes")
    async with runtime.db.transaction() as session:
        return [QuoteRead.model_validate(dict(r)) for r in (await session.execute(query)).mappings()]


@router.put("/tolerances/categories/{category}", response_model=ToleranceWrite)
async def set_category_tolerance(
    category: Annotated[str, Field(min_length=1, max_length=200)],
    body: ToleranceWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("purchasing_manager"))],
) -> ToleranceWrite:
    async with runtime.db.transaction() as session:
        await use_cases.set_category_tolerance(session, principal.sub, category, body)
    return body

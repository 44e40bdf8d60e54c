"""HTTP API of customers (master data; the use case is `handlers/customers.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import Field
from sqlalchemy import or_, select

from sales.config import RuntimeDep
from sales.db import customers
from sales.handlers.customers import CODE, CUSTOMER_DATA, CustomerCreate, CustomerRead, CustomerWrite
from sales.handlers.imports import CUSTOMERS
from servicekit.auth import Principal, require
from servicekit.errors import NotFoundError
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["customers"])
CUSTOMER_COLUMNS = CUSTOMERS.export_columns()  # the import's: an export is a filled-in template


@router.post("/customers", status_code=201, response_model=CustomerRead)
async def create_customer(
    body: CustomerCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    return await CUSTOMER_DATA.create(runtime, response, principal, idempotency_key, body)


@router.put("/customers/{code}", response_model=CustomerRead)
async def update_customer(
    code: Annotated[str, Field(pattern=CODE)],
    body: CustomerWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
) -> CustomerRead:
    saved = await CUSTOMER_DATA.update(runtime, principal, code, body)
    return CustomerRead.model_validate(saved.model_dump())


@router.get("/customers", response_model=list[CustomerRead])
async def list_customers(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require("sales", "sales_manager", "finance", read=True))],
    q: Annotated[str | None, Query(max_length=100, description="part of the code or the name")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    format: FormatQuery = None,
) -> Any:
    if format:
        return export_query(
            runtime.db, select(customers).order_by(customers.c.code), CUSTOMER_COLUMNS, fmt=format, name="customers"
        )
    query = select(customers).order_by(customers.c.code)
    if q:  # the order form's customer search
        query = query.where(
            or_(customers.c.code.icontains(q, autoescape=True), customers.c.name.icontains(q, autoescape=True))
        )
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query.limit(limit))).mappings()
        return [CustomerRead.model_validate(dict(r)) for r in rows]


@router.get("/customers/{code}", response_model=CustomerRead)
async def get_customer(
    code: str,
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require("sales", "sales_manager", "finance", read=True))],
) -> CustomerRead:
    async with runtime.db.transaction() as session:
        row = (await session.execute(select(customers).where(customers.c.code == code))).mappings().first()
    if row is None:
        raise NotFoundError("customer", code)
    return CustomerRead.model_validate(dict(row))

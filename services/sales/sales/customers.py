"""Customers (master data): kept here, published as `CustomerUpserted` for finance (credit) and others."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Email
from contracts.sales import CustomerUpserted
from sales.db import customers, kit
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.errors import NotFoundError
from servicekit.idempotency import respond_idempotently
from servicekit.inputs import OptionalText
from servicekit.runtime import Runtime
from servicekit.tabular import ExportColumn, FormatQuery, export_query

router = APIRouter(tags=["customers"])
CUSTOMER_COLUMNS = tuple(
    ExportColumn(*spec)
    for spec in (
        ("code", "客户编码", "Customer code"),
        ("name", "客户名称", "Name"),
        ("contact", "联系人", "Contact"),
        ("phone", "电话", "Phone"),
        ("email", "邮箱", "Email"),
        ("credit_limit", "信用额度", "Credit limit"),
        ("payment_terms_days", "账期天数", "Payment terms (days)"),
        ("currency", "币种", "Currency"),
        ("active", "启用", "Active"),
    )
)
CODE = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"


class CustomerWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    contact: OptionalText = None
    phone: OptionalText = None
    email: Email | None = None
    credit_limit: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    payment_terms_days: int = Field(ge=0, le=365)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    active: bool = True


class CustomerCreate(CustomerWrite):
    code: str = Field(min_length=1, max_length=64, pattern=CODE)


class CustomerRead(CustomerCreate):
    model_config = ConfigDict(extra="ignore")


async def save_customer(session: AsyncSession, runtime: Runtime, actor: str, data: CustomerCreate) -> CustomerRead:
    """Insert or update a customer, audit it and publish it, in the caller's transaction."""
    before = (await session.execute(select(customers).where(customers.c.code == data.code).with_for_update())).first()
    now = runtime.clock.now()
    values = data.model_dump()
    await session.execute(
        insert(customers)
        .values(**values, updated_at=now)
        .on_conflict_do_update(index_elements=[customers.c.code], set_={**values, "updated_at": now})
    )
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="customer",
        entity_id=data.code,
        action="updated" if before else "created",
        before=_jsonable(before._mapping) if before else None,
        after=data.model_dump(mode="json"),
    )
    await runtime.outbox.add(session, customer_upserted(data, now))
    return CustomerRead.model_validate(values)


def customer_upserted(data: CustomerCreate, now: datetime) -> CustomerUpserted:
    """The event of a saved customer (by hand or imported)."""
    return CustomerUpserted(
        customer_code=data.code,
        name=data.name,
        contact=data.contact,
        phone=data.phone,
        email=data.email,
        credit_limit=data.credit_limit,
        payment_terms_days=data.payment_terms_days,
        currency=data.currency,
        active=data.active,
        updated_at=now,
    )


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, str | int | bool | None) else v) for k, v in dict(row).items()}


@router.post("/customers", status_code=201, response_model=CustomerRead)
async def create_customer(
    body: CustomerCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def operation(session: AsyncSession) -> tuple[int, Any]:
        saved = await save_customer(session, runtime, principal.sub, body)
        return 201, saved.model_dump(mode="json")

    return await respond_idempotently(
        runtime,
        response,
        key=idempotency_key,
        principal=principal.sub,
        endpoint="POST /customers",
        body=body,
        operation=operation,
    )


@router.put("/customers/{code}", response_model=CustomerRead)
async def update_customer(
    code: Annotated[str, Field(pattern=CODE)],
    body: CustomerWrite,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("sales_manager"))],
) -> CustomerRead:
    async with runtime.db.transaction() as session:
        if await session.scalar(select(customers.c.code).where(customers.c.code == code)) is None:
            raise NotFoundError("customer", code)
        return await save_customer(session, runtime, principal.sub, CustomerCreate(code=code, **body.model_dump()))


@router.get("/customers", response_model=list[CustomerRead])
async def list_customers(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require("sales", "sales_manager", "finance", read=True))],
    format: FormatQuery = None,
) -> Any:
    if format:  # the import's columns: an export is a filled-in template
        return export_query(
            runtime.db, select(customers).order_by(customers.c.code), CUSTOMER_COLUMNS, fmt=format, name="customers"
        )
    async with runtime.db.transaction() as session:
        rows = (await session.execute(select(customers).order_by(customers.c.code))).mappings()
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

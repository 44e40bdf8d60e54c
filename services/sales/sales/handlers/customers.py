"""Customers (master data): kept here, published as `CustomerUpserted` for finance (credit) and others. The use
case, in the caller's transaction; the HTTP API is `api/customers.py`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Email
from contracts.sales import CustomerUpserted
from sales.db import customers, kit
from servicekit import audit
from servicekit.inputs import OptionalText
from servicekit.runtime import Runtime

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
    await runtime.outbox.add(
        session,
        CustomerUpserted(
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
        ),
    )
    return CustomerRead.model_validate(values)


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, str | int | bool | None) else v) for k, v in dict(row).items()}

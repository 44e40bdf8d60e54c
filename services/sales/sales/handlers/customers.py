"""Customers (master data): kept here, published as `CustomerUpserted` for finance (credit) and others; saved,
by hand or imported, as servicekit.masterdata keeps master data. The HTTP API is `api/customers.py`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Email
from contracts.sales import CustomerUpserted
from sales.db import customers, kit
from servicekit.inputs import OptionalText
from servicekit.masterdata import MasterData

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


CUSTOMER_DATA = MasterData(
    record=CustomerCreate,
    table=customers,
    tables=kit,
    noun="customer",
    path="/customers",
    columns=lambda c: c.model_dump(),
    event=customer_upserted,
)

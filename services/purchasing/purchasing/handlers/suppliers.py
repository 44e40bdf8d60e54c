"""Suppliers (master data, published as `SupplierUpserted`; saved, by hand or imported, as servicekit.masterdata
keeps master data), their quotes, and per-category tolerances: the use cases, each in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.purchasing import SupplierContact, SupplierUpserted
from purchasing.config import PurchasingUnit
from purchasing.db import category_tolerances, kit, supplier_quotes, suppliers
from purchasing.schemas import Code, Currency, Money, Pct, Rate
from servicekit import audit
from servicekit.errors import NotFoundError
from servicekit.masterdata import MasterData


class SupplierWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    contacts: list[SupplierContact] = Field(default_factory=list, max_length=20)
    payment_terms_days: int = Field(ge=0, le=365)
    currency: Currency = "CNY"
    score: Pct | None = None
    tolerance_pct: Pct | None = Field(default=None, description="receipt quantity tolerance; default 5 %")
    price_tolerance_pct: Pct | None = Field(
        default=None, description="supplier invoice price tolerance; default 0 (any price difference holds the bill)"
    )
    active: bool = True


class SupplierCreate(SupplierWrite):
    code: Code


class SupplierRead(SupplierCreate):
    model_config = ConfigDict(extra="ignore")


class QuoteWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    unit_price: Money
    currency: Currency = "CNY"
    min_qty: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3)] = Decimal("0")
    lead_time_days: int = Field(ge=0, le=3650)
    tax_rate: Rate = Decimal("0")
    valid_from: date
    valid_to: date | None = None

    @model_validator(mode="after")
    def _period(self) -> QuoteWrite:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class QuoteRead(QuoteWrite):
    model_config = ConfigDict(extra="ignore")

    id: int
    supplier_code: str


class ToleranceWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance_pct: Pct = Field(description="receipt quantity tolerance of the category")
    price_tolerance_pct: Pct | None = Field(
        default=None, description="supplier invoice price tolerance of the category (absent: the default, 0)"
    )


def supplier_upserted(data: SupplierCreate, now: datetime) -> SupplierUpserted:
    """The event of a saved supplier (by hand or imported)."""
    return SupplierUpserted(
        supplier_code=data.code,
        name=data.name,
        contacts=data.contacts,
        payment_terms_days=data.payment_terms_days,
        currency=data.currency,
        score=data.score,
        active=data.active,
        updated_at=now,
    )


def _supplier_columns(record: SupplierCreate) -> dict[str, Any]:
    return record.model_dump(exclude={"contacts"}) | {"contacts": [c.model_dump(mode="json") for c in record.contacts]}


SUPPLIER_DATA = MasterData(
    record=SupplierCreate,
    table=suppliers,
    tables=kit,
    noun="supplier",
    path="/suppliers",
    columns=_supplier_columns,
    event=supplier_upserted,
)


async def add_quote(tx: PurchasingUnit, actor: str, code: str, body: QuoteWrite) -> QuoteRead:
    """Store a supplier's quote (404 for an unknown supplier), audited."""
    if await tx.session.scalar(select(suppliers.c.code).where(suppliers.c.code == code)) is None:
        raise NotFoundError("supplier", code)
    values = body.model_dump() | {"supplier_code": code, "created_at": tx.now}
    quote_id = await tx.session.scalar(insert(supplier_quotes).values(**values).returning(supplier_quotes.c.id))
    await audit.record(
        tx.session,
        kit,
        actor=actor,
        entity="supplier_quote",
        entity_id=str(quote_id),
        action="created",
        after=body.model_dump(mode="json") | {"supplier_code": code},
    )
    return QuoteRead.model_validate(values | {"id": quote_id})


async def set_category_tolerance(session: AsyncSession, actor: str, category: str, body: ToleranceWrite) -> None:
    """Set the receipt quantity and invoice price tolerances of a product category, audited."""
    table = category_tolerances
    before = (await session.execute(select(table).where(table.c.category == category))).mappings().first()
    await session.execute(
        pg_insert(table)
        .values(category=category, **body.model_dump())
        .on_conflict_do_update(index_elements=[table.c.category], set_=body.model_dump())
    )
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="category_tolerance",
        entity_id=category,
        action="set",
        before=audit.row_json(before) if before else None,
        after=body.model_dump(mode="json"),
    )

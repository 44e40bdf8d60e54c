"""Suppliers (master data, published as `SupplierUpserted`), their quotes, and per-category tolerances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.purchasing import SupplierContact, SupplierUpserted
from purchasing.common import Code, Currency, Money, Pct, Rate, jsonable
from purchasing.db import category_tolerances, kit, supplier_quotes, suppliers
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.auth import Principal, require
from servicekit.errors import NotFoundError
from servicekit.idempotency import respond_idempotently
from servicekit.runtime import Runtime
from servicekit.tabular import ExportColumn, FormatQuery, columns, export_query

router = APIRouter(tags=["suppliers"])
WRITE = require("purchaser", "purchasing_manager")
READ = require("purchaser", "purchasing_manager", "finance", "finance_manager", "warehouse", read=True)
SUPPLIER_COLUMNS = (
    *columns(("code", "供应商编码", "Supplier code"), ("name", "供应商名称", "Name")),
    ExportColumn("contact_name", "联系人", "Contact", lambda r: (r["contacts"] or [{}])[0].get("name")),
    ExportColumn("contact_phone", "联系电话", "Contact phone", lambda r: (r["contacts"] or [{}])[0].get("phone")),
    ExportColumn("contact_email", "联系邮箱", "Contact email", lambda r: (r["contacts"] or [{}])[0].get("email")),
    *columns(
        ("payment_terms_days", "账期天数", "Payment terms (days)"),
        ("currency", "币种", "Currency"),
        ("score", "评分", "Score"),
        ("tolerance_pct", "收货容差%", "Tolerance %"),
        ("active", "启用", "Active"),
    ),
)
QUOTE_COLUMNS = columns(
    ("supplier_code", "供应商编码", "Supplier code"),
    ("sku", "产品编码", "SKU"),
    ("unit_price", "单价", "Unit price"),
    ("currency", "币种", "Currency"),
    ("min_qty", "最小起订量", "Min qty"),
    ("lead_time_days", "交货天数", "Lead time (days)"),
    ("tax_rate", "税率", "Tax rate"),
    ("valid_from", "生效日期", "Valid from"),
    ("valid_to", "失效日期", "Valid to"),
)


class SupplierWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    contacts: list[SupplierContact] = Field(default_factory=list, max_length=20)
    payment_terms_days: int = Field(ge=0, le=365)
    currency: Currency = "CNY"
    score: Pct | None = None
    tolerance_pct: Pct | None = Field(default=None, description="receipt/price tolerance; default 5 %")
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

    tolerance_pct: Pct


async def save_supplier(session: AsyncSession, runtime: Runtime, actor: str, data: SupplierCreate) -> SupplierRead:
    """Insert or update a supplier, audit and publish it, in the caller's transaction."""
    before = (await session.execute(select(suppliers).where(suppliers.c.code == data.code).with_for_update())).first()
    now = runtime.clock.now()
    values = data.model_dump(mode="json") | {
        "score": data.score,
        "tolerance_pct": data.tolerance_pct,
        "updated_at": now,
    }
    await session.execute(
        pg_insert(suppliers).values(**values).on_conflict_do_update(index_elements=[suppliers.c.code], set_=values)
    )
    await audit.record(
        session,
        kit,
        actor=actor,
        entity="supplier",
        entity_id=data.code,
        action="updated" if before else "created",
        before=jsonable(before._mapping) if before else None,
        after=data.model_dump(mode="json"),
    )
    await runtime.outbox.add(
        session,
        SupplierUpserted(
            supplier_code=data.code,
            name=data.name,
            contacts=data.contacts,
            payment_terms_days=data.payment_terms_days,
            currency=data.currency,
            score=data.score,
            active=data.active,
            updated_at=now,
        ),
    )
    return SupplierRead.model_validate(data.model_dump())


@router.post("/suppliers", status_code=201, response_model=SupplierRead)
async def create_supplier(
    body: SupplierCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(WRITE)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def operation(session: AsyncSession) -> tuple[int, Any]:
        saved = await save_supplier(session, runtime, principal.sub, body)
        return 201, saved.model_dump(mode="json")

    return await respond_idempotently(
        runtime,
        response,
        key=idempotency_key,
        principal=principal.sub,
        endpoint="POST /suppliers",
        body=body,
        operation=operation,
    )


@router.put("/suppliers/{code}", response_model=SupplierRead)
async def update_supplier(
    code: str, body: SupplierWrite, runtime: RuntimeDep, principal: Annotated[Principal, Depends(WRITE)]
) -> SupplierRead:
    async with runtime.db.transaction() as session:
        if await session.scalar(select(suppliers.c.code).where(suppliers.c.code == code)) is None:
            raise NotFoundError("supplier", code)
        return await save_supplier(session, runtime, principal.sub, SupplierCreate(code=code, **body.model_dump()))


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
    async with runtime.db.transaction() as session:
        if await session.scalar(select(suppliers.c.code).where(suppliers.c.code == code)) is None:
            raise NotFoundError("supplier", code)
        values = body.model_dump() | {"supplier_code": code, "created_at": runtime.clock.now()}
        quote_id = await session.scalar(insert(supplier_quotes).values(**values).returning(supplier_quotes.c.id))
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="supplier_quote",
            entity_id=str(quote_id),
            action="created",
            after=body.model_dump(mode="json") | {"supplier_code": code},
        )
    return QuoteRead.model_validate(values | {"id": quote_id})


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
        table = category_tolerances
        before = (await session.execute(select(table).where(table.c.category == category))).mappings().first()
        await session.execute(
            pg_insert(table)
            .values(category=category, tolerance_pct=body.tolerance_pct)
            .on_conflict_do_update(index_elements=[table.c.category], set_={"tolerance_pct": body.tolerance_pct})
        )
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="category_tolerance",
            entity_id=category,
            action="set",
            before=jsonable(before),
            after=body.model_dump(mode="json"),
        )
    return body

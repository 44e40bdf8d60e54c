"""Bulk imports owned by purchasing: suppliers (published as SupplierUpserted, like one saved by hand) and their
quotes (price, minimum quantity, lead time, validity), through servicekit.tabular."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert

from contracts.common import Email
from contracts.purchasing import SupplierContact
from purchasing.db import products, supplier_quotes, suppliers
from purchasing.handlers.history import HISTORICAL_PURCHASE_ORDERS
from purchasing.handlers.suppliers import SUPPLIER_DATA, QuoteWrite, SupplierCreate
from purchasing.schemas import Code, Currency, Pct
from servicekit.tabular import Column, ImportContext, ImportKind, RowError, ValidRow
from servicekit.tabular.bulk import audit_all, chunked
from servicekit.tabular.upsert import stored_keys

EDITORS = ("purchaser", "purchasing_manager")


class SupplierRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: str = Field(min_length=1, max_length=200)
    contact_name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=200)
    contact_email: Email | None = None
    payment_terms_days: int = Field(ge=0, le=365)
    currency: Currency = "CNY"
    score: Pct | None = None
    tolerance_pct: Pct | None = None
    price_tolerance_pct: Pct | None = None
    active: bool = True

    def record(self) -> SupplierCreate:
        """The supplier as one entered by hand."""
        contacts = []
        if self.contact_name is not None:
            contacts = [SupplierContact(name=self.contact_name, phone=self.contact_phone, email=self.contact_email)]
        fields = self.model_dump(exclude={"contact_name", "contact_phone", "contact_email"})
        return SupplierCreate.model_validate(fields | {"contacts": contacts})


class QuoteRow(QuoteWrite):
    supplier_code: Code


SUPPLIER_UPSERT = SUPPLIER_DATA.upsert(SupplierRow.record)


async def check_quotes(ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
    items = [(r.row, cast(QuoteRow, r.data)) for r in rows]
    stored = await stored_keys(ctx.session, suppliers.c.code, sorted({q.supplier_code for _, q in items}))
    known = await stored_keys(ctx.session, products.c.sku, sorted({q.sku for _, q in items}))
    errors = []
    for row, q in items:
        if q.supplier_code not in stored:
            errors.append(RowError(row, "supplier_code", q.supplier_code, "no such supplier"))
        if q.sku not in known:
            errors.append(RowError(row, "sku", q.sku, "no such product (not in the catalog inventory publishes)"))
    return errors


async def apply_quotes(ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
    items = [cast(QuoteRow, r.data) for r in rows]
    for part in chunked(items, 1000):
        values = [q.model_dump() | {"created_at": ctx.now} for q in part]
        ids = list(await ctx.session.scalars(insert(supplier_quotes).values(values).returning(supplier_quotes.c.id)))
        await audit_all(
            ctx, "supplier_quote", ((str(i), None, q.model_dump(mode="json")) for i, q in zip(ids, part, strict=True))
        )
    return len(items)


SUPPLIERS = ImportKind(
    name="suppliers",
    title_zh="供应商",
    title_en="Suppliers",
    columns=(
        Column("code", "供应商编码", "Supplier code", required=True, kind="code", example="S-0001"),
        Column("name", "供应商名称", "Name", required=True, example="宁波某某五金有限公司"),
        Column("contact_name", "联系人", "Contact", example="李四"),
        Column("contact_phone", "联系电话", "Contact phone", kind="code", example="0574-87654321"),
        Column("contact_email", "联系邮箱", "Contact email", example="sales@example.com"),
        Column("payment_terms_days", "账期天数", "Payment terms (days)", required=True, kind="integer", example="60"),
        Column("currency", "币种", "Currency", kind="code", choices=("CNY", "USD", "EUR", "HKD"), example="CNY"),
        Column("score", "评分", "Score", kind="number", example="85", note="0-100"),
        Column("tolerance_pct", "收货容差%", "Tolerance %", kind="number", example="5"),
        Column("price_tolerance_pct", "价格容差%", "Price tolerance %", kind="number", example="0"),
        Column("active", "启用", "Active", kind="bool", choices=("是", "否"), example="是"),
    ),
    row_model=SupplierRow,
    key=lambda m: cast(SupplierRow, m).code,
    key_label="code",
    check=SUPPLIER_UPSERT.check,
    apply=SUPPLIER_UPSERT.apply,
    roles=EDITORS,
)

QUOTES = ImportKind(
    name="quotes",
    title_zh="供应商报价",
    title_en="Supplier quotes",
    columns=(
        Column("supplier_code", "供应商编码", "Supplier code", required=True, kind="code", example="S-0001"),
        Column("sku", "产品编码", "SKU", required=True, kind="code", example="SKU-0001"),
        Column("unit_price", "单价", "Unit price", required=True, kind="number", example="12.50"),
        Column("currency", "币种", "Currency", kind="code", choices=("CNY", "USD", "EUR", "HKD"), example="CNY"),
        Column("min_qty", "最小起订量", "Min qty", kind="number", example="100"),
        Column("lead_time_days", "交货天数", "Lead time (days)", required=True, kind="integer", example="7"),
        Column("tax_rate", "税率", "Tax rate", kind="number", example="0.13", note="0.13 = 13 %"),
        Column("valid_from", "生效日期", "Valid from", required=True, kind="date", example="2026-01-01"),
        Column("valid_to", "失效日期", "Valid to", kind="date", example="2026-12-31"),
    ),
    row_model=QuoteRow,
    key=lambda m: (
        cast(QuoteRow, m).supplier_code,
        cast(QuoteRow, m).sku,
        cast(QuoteRow, m).valid_from,
        cast(QuoteRow, m).min_qty,
    ),
    key_label="supplier + sku + valid from + min qty",
    check=check_quotes,
    apply=apply_quotes,
    roles=EDITORS,
    modes=("insert",),
)

KINDS = (SUPPLIERS, QUOTES, HISTORICAL_PURCHASE_ORDERS)

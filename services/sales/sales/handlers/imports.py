"""Bulk import owned by sales: customers with their credit limit and payment terms, published as
CustomerUpserted (finance learns credit limits and terms from it, as from a customer saved by hand)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from contracts.sales import CustomerUpserted
from sales.db import customers
from sales.handlers.customers import CustomerCreate
from sales.handlers.history import HISTORICAL_ORDERS
from servicekit.tabular import Column, ImportContext, ImportKind, RowError, ValidRow
from servicekit.tabular.bulk import audit_all, chunked, plain, publish_all


def _customers(rows: Sequence[ValidRow]) -> list[tuple[int, CustomerCreate]]:
    return [(r.row, cast(CustomerCreate, r.data)) for r in rows]


async def check_customers(ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
    items = _customers(rows)
    codes = [c.code for _, c in items]
    stored = set(await ctx.session.scalars(select(customers.c.code).where(customers.c.code.in_(codes))))
    errors = []
    for row, c in items:
        if ctx.mode == "insert" and c.code in stored:
            errors.append(RowError(row, "code", c.code, "customer already exists (mode insert)"))
        if ctx.mode == "update" and c.code not in stored:
            errors.append(RowError(row, "code", c.code, "no such customer (mode update)"))
    return errors


async def apply_customers(ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
    items = [c for _, c in _customers(rows)]
    for part in chunked(items, 1000):
        codes = [c.code for c in part]
        found = await ctx.session.execute(select(customers).where(customers.c.code.in_(codes)).with_for_update())
        before: dict[str, Any] = {r.code: plain(r._mapping) for r in found}
        values = [c.model_dump() | {"updated_at": ctx.now} for c in part]
        stmt = insert(customers).values(values)
        updated = {k: stmt.excluded[k] for k in (*CustomerCreate.model_fields, "updated_at") if k != "code"}
        await ctx.session.execute(stmt.on_conflict_do_update(index_elements=[customers.c.code], set_=updated))
        await audit_all(ctx, "customer", ((c.code, before.get(c.code), c.model_dump(mode="json")) for c in part))
        await publish_all(
            ctx,
            (
                CustomerUpserted(
                    customer_code=c.code,
                    name=c.name,
                    contact=c.contact,
                    phone=c.phone,
                    email=c.email,
                    credit_limit=c.credit_limit,
                    payment_terms_days=c.payment_terms_days,
                    currency=c.currency,
                    active=c.active,
                    updated_at=ctx.now,
                )
                for c in part
            ),
        )
    return len(items)


CUSTOMERS = ImportKind(
    name="customers",
    title_zh="客户",
    title_en="Customers",
    columns=(
        Column("code", "客户编码", "Customer code", required=True, kind="code", example="C-0001"),
        Column("name", "客户名称", "Name", required=True, example="上海某某贸易有限公司"),
        Column("contact", "联系人", "Contact", example="张三"),
        Column("phone", "电话", "Phone", kind="code", example="021-12345678"),
        Column("email", "邮箱", "Email", example="buyer@example.com"),
        Column("credit_limit", "信用额度", "Credit limit", required=True, kind="number", example="50000.00"),
        Column("payment_terms_days", "账期天数", "Payment terms (days)", required=True, kind="integer", example="30"),
        Column("currency", "币种", "Currency", kind="code", choices=("CNY", "USD", "EUR", "HKD"), example="CNY"),
        Column("active", "启用", "Active", kind="bool", choices=("是", "否"), example="是"),
    ),
    row_model=CustomerCreate,
    key=lambda m: cast(CustomerCreate, m).code,
    key_label="code",
    check=check_customers,
    apply=apply_customers,
    roles=("sales_manager",),
)

KINDS = (CUSTOMERS, HISTORICAL_ORDERS)

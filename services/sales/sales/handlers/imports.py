"""Bulk import owned by sales: customers with their credit limit and payment terms, published as
CustomerUpserted (finance learns credit limits and terms from it, as from a customer saved by hand)."""

from __future__ import annotations

from typing import cast

from sales.handlers.customers import CUSTOMER_DATA, CustomerCreate
from sales.handlers.history import HISTORICAL_ORDERS
from servicekit.tabular import Column, ImportKind

UPSERT = CUSTOMER_DATA.upsert()


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
    check=UPSERT.check,
    apply=UPSERT.apply,
    roles=("sales_manager",),
)

KINDS = (CUSTOMERS, HISTORICAL_ORDERS)

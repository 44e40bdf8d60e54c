"""Historical sales orders: the closed orders of the system before this one, imported (one row per line) for
reference, statements and analysis. They are stored apart from live orders (`historical_orders`), never run
through the saga and never published: finance's ledger and the reports begin at the cut-over (see
docs/import-export.md). Lines are priced by the same rule as live orders (sales.domain.Line)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Code, PositiveQuantity
from sales.db import customers, historical_order_lines, historical_orders
from sales.domain import Line, totals_of
from servicekit.tabular import Column
from servicekit.tabular.documents import ClosedDocuments, field_values

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]


class HistoricalLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_no: Code
    order_date: date
    customer_code: Code
    line_no: int = Field(ge=1, le=9999)
    sku: Code
    qty: PositiveQuantity
    unit_price: Money
    discount: Rate = Decimal("0")
    tax_rate: Rate = Decimal("0")
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    order_gross: Money | None = None
    note: str | None = Field(default=None, max_length=2000)

    def line(self) -> Line:
        return Line(self.line_no, self.sku, self.qty, self.unit_price, self.discount, self.tax_rate)


def _totals(lines: Sequence[HistoricalLine]) -> tuple[Decimal, Decimal, Decimal]:
    totals = totals_of(x.line() for x in lines)
    return totals.net, totals.tax, totals.gross


def _line(x: HistoricalLine) -> dict[str, Any]:
    line = x.line()
    return field_values(x, "order_no", "line_no", "sku", "qty", "unit_price", "discount", "tax_rate") | {
        "net": line.net, "tax": line.tax,
    }  # fmt: skip


DOCUMENTS = ClosedDocuments(
    headers=historical_orders,
    lines=historical_order_lines,
    number="order_no",
    party="customer_code",
    party_column=customers.c.code,
    party_noun="customer",
    agree=("order_date", "customer_code", "currency"),
    totals=_totals,
    line_values=_line,
    noun="historical_order",
)


HISTORICAL_ORDERS = DOCUMENTS.import_kind(
    name="historical-orders",
    title_zh="历史销售订单",
    title_en="Historical sales orders",
    columns=(
        Column("order_no", "订单号", "Order no", required=True, kind="code", example="XS20250101-001"),
        Column("order_date", "订单日期", "Order date", required=True, kind="date", example="2025-01-01"),
        Column("customer_code", "客户编码", "Customer code", required=True, kind="code", example="C-0001"),
        Column("line_no", "行号", "Line no", required=True, kind="integer", example="1"),
        Column("sku", "产品编码", "SKU", required=True, kind="code", example="SKU-0001"),
        Column("qty", "数量", "Quantity", required=True, kind="number", example="10"),
        Column("unit_price", "单价", "Unit price", required=True, kind="number", example="99.00"),
        Column("discount", "折扣", "Discount", kind="number", example="0.05", note="0.05 = 5 %"),
        Column("tax_rate", "税率", "Tax rate", kind="number", example="0.13", note="0.13 = 13 %"),
        Column("currency", "币种", "Currency", kind="code", choices=("CNY", "USD", "EUR", "HKD"), example="CNY"),
        Column(
            "order_gross",
            "订单含税总额",
            "Order gross",
            kind="number",
            example="1062.77",
            note="optional: checked against the sum of the order's lines",
        ),
        Column("note", "备注", "Note"),
    ),
    row_model=HistoricalLine,
    key_label="order no + line no",
    roles=("sales_manager",),
)

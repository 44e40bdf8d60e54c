"""Historical purchase orders: the closed purchase orders of the system before this one, imported (one row per
line) for reference and analysis. Stored apart from live purchase orders (`historical_purchase_orders`), never
run through approval, receipt or billing, and not published: finance's payables and the reports begin at the
cut-over (docs/import-export.md). Lines are priced by the rule live purchase orders use (`domain.totals`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from purchasing.db import historical_po_lines, historical_purchase_orders, suppliers
from purchasing.domain import PricedLine, totals
from purchasing.schemas import Code, Currency, Money, Qty, Rate
from servicekit.tabular import Column
from servicekit.tabular.documents import ClosedDocuments, field_values


class HistoricalPurchaseLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    po_no: Code
    order_date: date
    supplier_code: Code
    line_no: int = Field(ge=1, le=9999)
    sku: Code
    qty: Qty
    unit_price: Money
    tax_rate: Rate = Decimal("0")
    currency: Currency = "CNY"
    order_gross: Money | None = None
    note: str | None = Field(default=None, max_length=2000)

    def priced(self) -> PricedLine:
        return PricedLine(self.qty, self.unit_price, self.tax_rate)


def _totals(lines: Sequence[HistoricalPurchaseLine]) -> tuple[Decimal, Decimal, Decimal]:
    return totals(x.priced() for x in lines)


def _line(x: HistoricalPurchaseLine) -> dict[str, Any]:
    net, tax, _ = totals([x.priced()])
    return field_values(x, "po_no", "line_no", "sku", "qty", "unit_price", "tax_rate") | {"net": net, "tax": tax}


DOCUMENTS = ClosedDocuments(
    headers=historical_purchase_orders,
    lines=historical_po_lines,
    number="po_no",
    party="supplier_code",
    party_column=suppliers.c.code,
    party_noun="supplier",
    agree=("order_date", "supplier_code", "currency"),
    totals=_totals,
    line_values=_line,
    noun="historical_purchase_order",
)

HISTORICAL_PURCHASE_ORDERS = DOCUMENTS.import_kind(
    name="historical-purchase-orders",
    title_zh="历史采购订单",
    title_en="Historical purchase orders",
    columns=(
        Column("po_no", "采购单号", "PO no", required=True, kind="code", example="CG20250101-001"),
        Column("order_date", "订单日期", "Order date", required=True, kind="date", example="2025-01-01"),
        Column("supplier_code", "供应商编码", "Supplier code", required=True, kind="code", example="S-0001"),
        Column("line_no", "行号", "Line no", required=True, kind="integer", example="1"),
        Column("sku", "产品编码", "SKU", required=True, kind="code", example="SKU-0001"),
        Column("qty", "数量", "Quantity", required=True, kind="number", example="100"),
        Column("unit_price", "单价", "Unit price", required=True, kind="number", example="12.50"),
        Column("tax_rate", "税率", "Tax rate", kind="number", example="0.13", note="0.13 = 13 %"),
        Column("currency", "币种", "Currency", kind="code", choices=("CNY", "USD", "EUR", "HKD"), example="CNY"),
        Column(
            "order_gross",
            "订单含税总额",
            "Order gross",
            kind="number",
            example="1412.50",
            note="optional: checked against the sum of the order's lines",
        ),
        Column("note", "备注", "Note"),
    ),
    row_model=HistoricalPurchaseLine,
    key_label="PO no + line no",
    roles=("purchasing_manager",),
)

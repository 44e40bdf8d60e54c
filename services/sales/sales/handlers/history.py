"""Historical sales orders: the closed orders of the system before this one, imported (one row per line) for
reference, statements and analysis. They are stored apart from live orders (`historical_orders`), never run
through the saga and never published: finance's ledger and the reports begin at the cut-over (see
docs/import-export.md). Lines are priced by the same rule as live orders (sales.domain.Line)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from contracts.common import Code, PositiveQuantity
from sales.db import customers, historical_order_lines, historical_orders
from sales.domain import Line, totals_of
from servicekit.tabular import Column, ImportContext, ImportKind, RowError, ValidRow
from servicekit.tabular.bulk import chunked

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


def _by_order(rows: Sequence[ValidRow]) -> dict[str, list[tuple[int, HistoricalLine]]]:
    orders: dict[str, list[tuple[int, HistoricalLine]]] = defaultdict(list)
    for r in rows:
        line = cast(HistoricalLine, r.data)
        orders[line.order_no].append((r.row, line))
    return orders


def check_totals(rows: Sequence[ValidRow]) -> list[RowError]:
    """The lines of an order agree on its header, and add up to its total when the file gives one."""
    errors = []
    for order_no, lines in _by_order(rows).items():
        first_row, first = lines[0]
        for row, line in lines[1:]:
            for field in ("order_date", "customer_code", "currency"):
                if getattr(line, field) != getattr(first, field):
                    errors.append(
                        RowError(
                            row, field, str(getattr(line, field)), f"differs from row {first_row} of order {order_no}"
                        )
                    )
        given = [(row, x.order_gross) for row, x in lines if x.order_gross is not None]
        gross = totals_of(x.line() for _, x in lines).gross
        for row, total in given:
            if total != gross:
                errors.append(RowError(row, "order_gross", str(total), f"the lines of {order_no} add up to {gross}"))
    return errors


async def check_history(ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
    orders = _by_order(rows)
    codes = sorted({x.customer_code for lines in orders.values() for _, x in lines})
    known = set(await ctx.session.scalars(select(customers.c.code).where(customers.c.code.in_(codes))))
    stored = set(
        await ctx.session.scalars(
            select(historical_orders.c.order_no).where(historical_orders.c.order_no.in_(list(orders)))
        )
    )
    errors = []
    for order_no, lines in orders.items():
        row, first = lines[0]
        if first.customer_code not in known:
            errors.append(RowError(row, "customer_code", first.customer_code, "no such customer"))
        if ctx.mode == "insert" and order_no in stored:
            errors.append(RowError(row, "order_no", order_no, "order already imported (mode insert)"))
        if ctx.mode == "update" and order_no not in stored:
            errors.append(RowError(row, "order_no", order_no, "no such imported order (mode update)"))
    return errors


async def apply_history(ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
    orders = list(_by_order(rows).items())
    for part in chunked(orders, 1000):
        headers, lines = [], []
        for order_no, items in part:
            first = items[0][1]
            totals = totals_of(x.line() for _, x in items)
            headers.append(
                {
                    "order_no": order_no,
                    "customer_code": first.customer_code,
                    "order_date": first.order_date,
                    "currency": first.currency,
                    "net": totals.net,
                    "tax": totals.tax,
                    "gross": totals.gross,
                    "note": first.note,
                    "import_job": ctx.job_id,
                    "imported_at": ctx.now,
                }
            )
            for _, x in items:
                line = x.line()
                lines.append(
                    {
                        "order_no": order_no,
                        "line_no": x.line_no,
                        "sku": x.sku,
                        "qty": x.qty,
                        "unit_price": x.unit_price,
                        "discount": x.discount,
                        "tax_rate": x.tax_rate,
                        "net": line.net,
                        "tax": line.tax,
                    }
                )
        numbers = [h["order_no"] for h in headers]
        await ctx.session.execute(delete(historical_order_lines).where(historical_order_lines.c.order_no.in_(numbers)))
        stmt = insert(historical_orders).values(headers)
        update = {k: stmt.excluded[k] for k in headers[0] if k != "order_no"}
        await ctx.session.execute(
            stmt.on_conflict_do_update(index_elements=[historical_orders.c.order_no], set_=update)
        )
        for piece in chunked(lines, 3000):
            await ctx.session.execute(insert(historical_order_lines).values(list(piece)))
    return len(rows)


HISTORICAL_ORDERS = ImportKind(
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
    key=lambda m: (cast(HistoricalLine, m).order_no, cast(HistoricalLine, m).line_no),
    key_label="order no + line no",
    check=check_history,
    file_check=check_totals,
    apply=apply_history,
    roles=("sales_manager",),
)

"""Bulk imports owned by inventory: products (published as ProductUpserted, like one saved by hand) and opening
stock per warehouse with its unit cost (ledger movements `opening_balance`, StockAdjusted, the moving average
cost), through servicekit.tabular: whole-file checks first, then every row in the job's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from contracts.common import Barcode, Code, Name, NonNegativeQuantity, PositiveQuantity, ShortText, UnitCost
from contracts.envelope import Message
from contracts.inventory import StockAdjusted
from inventory import domain
from inventory.db import products
from inventory.handlers.catalog import product_upserted
from inventory.stock import StockBook
from servicekit.tabular import Column, ImportContext, ImportKind, RowError, ValidRow
from servicekit.tabular.bulk import audit_all, chunked, plain, publish_all
from servicekit.tabular.upsert import Upsert

EDITORS = ("warehouse", "purchasing_manager")
Unit = Annotated[str, Field(min_length=1, max_length=16)]


class ProductRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    name: Name
    unit: Unit = "pcs"
    category: ShortText | None = None
    barcodes: list[Barcode] = Field(default_factory=list, max_length=50)
    reorder_point: NonNegativeQuantity = Decimal("0")
    reorder_qty: NonNegativeQuantity = Decimal("0")
    active: bool = True


class OpeningStockRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse_code: Code
    sku: Code
    qty: PositiveQuantity
    unit_cost: UnitCost


def _rows(rows: Sequence[ValidRow], model: type[BaseModel]) -> list[tuple[int, Any]]:
    return [(r.row, cast(model, r.data)) for r in rows]  # type: ignore[valid-type]


async def _existing(ctx: ImportContext, sql: str, **params: Any) -> list[Any]:
    return list(await ctx.session.execute(text(sql), params))


# --- products -------------------------------------------------------------------------------------------------


async def _stored_products(ctx: ImportContext, skus: list[Any]) -> dict[Any, Any]:
    """The stored products with their barcodes (the audit's before), locked."""
    rows = await _existing(
        ctx,
        "SELECT p.*, coalesce((SELECT array_agg(b.barcode ORDER BY b.barcode) FROM product_barcodes b"
        " WHERE b.sku = p.sku), '{}') AS barcodes FROM products p WHERE p.sku = ANY(:s) FOR UPDATE",
        s=skus,
    )
    return {r.sku: plain(r._mapping) for r in rows}


async def _replace_barcodes(ctx: ImportContext, part: Sequence[Any]) -> None:
    await ctx.session.execute(text("DELETE FROM product_barcodes WHERE sku = ANY(:s)"), {"s": [p.sku for p in part]})
    pairs = [(b, p.sku) for p in part for b in p.barcodes]
    if pairs:
        await ctx.session.execute(_INSERT_BARCODES, {"b": [b for b, _ in pairs], "s": [s for _, s in pairs]})


_INSERT_BARCODES = text(
    "INSERT INTO product_barcodes (barcode, sku) SELECT * FROM unnest(CAST(:b AS varchar[]), CAST(:s AS varchar[]))"
)
PRODUCT_UPSERT = Upsert(
    table=products,
    key="sku",
    noun="product",
    values=lambda p, now: p.model_dump(exclude={"barcodes"}) | {"updated_at": now},
    event=product_upserted,
    before=_stored_products,
    after=_replace_barcodes,
    chunk=5000,
)


async def check_products(ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
    """The mode against what is stored, and each barcode belongs to one product (in the file and stored)."""
    errors = await PRODUCT_UPSERT.check(ctx, rows)
    items: list[tuple[int, ProductRow]] = _rows(rows, ProductRow)
    codes = [b for _, p in items for b in p.barcodes]
    owner = {
        r.barcode: r.sku
        for r in await _existing(ctx, "SELECT barcode, sku FROM product_barcodes WHERE barcode = ANY(:b)", b=codes)
    }
    in_file: dict[str, tuple[int, str]] = {}
    for row, p in items:
        if len(set(p.barcodes)) != len(p.barcodes):
            errors.append(RowError(row, "barcodes", ";".join(p.barcodes), "a barcode is listed twice"))
            continue
        for b in p.barcodes:
            first = in_file.setdefault(b, (row, p.sku))
            if first[0] != row:
                errors.append(RowError(row, "barcodes", b, f"barcode also given in row {first[0]}"))
                continue
            if owner.get(b, p.sku) != p.sku:
                errors.append(RowError(row, "barcodes", b, f"barcode belongs to product {owner[b]}"))
    return errors


PRODUCTS = ImportKind(
    name="products",
    title_zh="产品",
    title_en="Products",
    columns=(
        Column("sku", "产品编码", "SKU", required=True, kind="code", example="SKU-0001"),
        Column("name", "产品名称", "Name", required=True, example="不锈钢保温杯 500ml"),
        Column("unit", "单位", "Unit", example="pcs", note="default pcs"),
        Column("category", "类别", "Category", example="drinkware"),
        Column(
            "barcodes",
            "条码",
            "Barcodes",
            kind="list",
            example="6901234567892",
            note="several separated by ; (each barcode belongs to one product)",
        ),
        Column("reorder_point", "补货点", "Reorder point", kind="number", example="20"),
        Column("reorder_qty", "补货数量", "Reorder qty", kind="number", example="100"),
        Column("active", "启用", "Active", kind="bool", choices=("是", "否"), example="是"),
    ),
    row_model=ProductRow,
    key=lambda m: cast(ProductRow, m).sku,
    key_label="sku",
    check=check_products,
    apply=PRODUCT_UPSERT.apply,
    roles=EDITORS,
)


# --- opening stock --------------------------------------------------------------------------------------------


async def check_opening(ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
    items: list[tuple[int, OpeningStockRow]] = _rows(rows, OpeningStockRow)
    skus = sorted({o.sku for _, o in items})
    whs = sorted({o.warehouse_code for _, o in items})
    known_skus = {r.sku for r in await _existing(ctx, "SELECT sku FROM products WHERE sku = ANY(:s)", s=skus)}
    known_whs = {r.code for r in await _existing(ctx, "SELECT code FROM warehouses WHERE code = ANY(:w)", w=whs)}
    moved = {
        (r.sku, r.warehouse_code)
        for r in await _existing(
            ctx,
            "SELECT DISTINCT m.sku, m.warehouse_code FROM stock_movements m"
            " JOIN unnest(CAST(:s AS varchar[]), CAST(:w AS varchar[])) AS v(sku, wh)"
            " ON m.sku = v.sku AND m.warehouse_code = v.wh",
            s=[o.sku for _, o in items],
            w=[o.warehouse_code for _, o in items],
        )
    }
    errors: list[RowError] = []
    for row, o in items:
        if o.sku not in known_skus:
            errors.append(RowError(row, "sku", o.sku, "no such product"))
        if o.warehouse_code not in known_whs:
            errors.append(RowError(row, "warehouse_code", o.warehouse_code, "no such warehouse"))
        if (o.sku, o.warehouse_code) in moved:
            reason = f"already has stock movements in {o.warehouse_code}; use an adjustment"
            errors.append(RowError(row, "sku", o.sku, reason))
    return errors


_UPDATE_COST = text(
    "UPDATE products p SET avg_cost = v.c FROM unnest(CAST(:s AS varchar[]), CAST(:c AS numeric[])) AS v(s, c)"
    " WHERE p.sku = v.s"
)


async def _average_costs(ctx: ImportContext, part: Sequence[OpeningStockRow]) -> None:
    """The moving-average cost of each sku after these receipts at their unit cost (before on-hand rises)."""
    skus = sorted({o.sku for o in part})
    cost = {
        r.sku: Decimal(r.avg_cost)
        for r in await _existing(ctx, "SELECT sku, avg_cost FROM products WHERE sku = ANY(:s) FOR UPDATE", s=skus)
    }
    held = {
        r.sku: Decimal(r.q)
        for r in await _existing(
            ctx, "SELECT sku, sum(on_hand) AS q FROM stock WHERE sku = ANY(:s) GROUP BY sku", s=skus
        )
    }
    for o in part:
        on_hand = held.get(o.sku, Decimal(0))
        cost[o.sku] = domain.moving_average(on_hand, cost[o.sku], o.qty, o.unit_cost)
        held[o.sku] = on_hand + o.qty
    await ctx.session.execute(_UPDATE_COST, {"s": skus, "c": [cost[s] for s in skus]})


async def apply_opening(ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
    items: list[OpeningStockRow] = [cast(OpeningStockRow, r.data) for r in rows]
    for part in chunked(items, 2000):
        await _average_costs(ctx, part)
        messages: list[Message] = []
        book = StockBook(ctx.session, messages.append, ctx.now)
        await book.lock([(o.sku, o.warehouse_code) for o in part], create=True)
        for o in part:
            row = book.move(o.sku, o.warehouse_code, o.qty, "opening_balance", reason_code="opening_balance",
                            reason="opening balance (import)", reference=None, unit_cost=o.unit_cost,
                            actor=ctx.actor)  # fmt: skip
            messages.append(
                StockAdjusted(
                    sku=o.sku,
                    warehouse_code=o.warehouse_code,
                    qty_delta=o.qty,
                    on_hand_after=row.on_hand,
                    reason_code="opening_balance",
                    reason="opening balance (import)",
                    unit_cost=o.unit_cost,
                    adjusted_by=ctx.actor,
                    adjusted_at=ctx.now,
                )
            )
        await book.flush()
        await audit_all(
            ctx,
            "stock",
            ((f"{o.sku}@{o.warehouse_code}", {"on_hand": "0"}, o.model_dump(mode="json")) for o in part),
        )
        await publish_all(ctx, messages)
    return len(items)


OPENING_STOCK = ImportKind(
    name="opening-stock",
    title_zh="期初库存",
    title_en="Opening stock",
    columns=(
        Column("warehouse_code", "仓库编码", "Warehouse", required=True, kind="code", example="WH-SH"),
        Column("sku", "产品编码", "SKU", required=True, kind="code", example="SKU-0001"),
        Column("qty", "数量", "Quantity", required=True, kind="number", example="120"),
        Column("unit_cost", "单位成本", "Unit cost", required=True, kind="number", example="35.50"),
    ),
    row_model=OpeningStockRow,
    key=lambda m: (cast(OpeningStockRow, m).sku, cast(OpeningStockRow, m).warehouse_code),
    key_label="sku + warehouse",
    check=check_opening,
    apply=apply_opening,
    roles=("warehouse",),
    modes=("insert",),
)

KINDS = (PRODUCTS, OPENING_STOCK)

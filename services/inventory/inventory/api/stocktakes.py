"""Stocktakes (盘点) over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Barcode, Code, NonNegativeQuantity, Percent
from inventory.api.deps import Reader, Warehouse
from inventory.config import RuntimeDep
from inventory.db import product_barcodes
from inventory.handlers import stocktakes
from servicekit.auth import Principal, require
from servicekit.errors import InputError
from servicekit.unit import unit_of

router = APIRouter(tags=["stocktakes"])
Approver = Annotated[Principal, Depends(require("purchasing_manager", "finance_manager"))]


class StocktakeOpen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse_code: Code
    skus: list[Code] = Field(default_factory=list, description="count only these; all stocked skus if empty")
    threshold_pct: Percent = Decimal("5")


class Count(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Code | None = None
    barcode: Barcode | None = None
    counted_qty: NonNegativeQuantity


class Counts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: Annotated[list[Count], Field(min_length=1)]


async def _detail(runtime: Any, no: str) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        return await stocktakes.read(session, no)


@router.post("/stocktakes", status_code=201)
async def open_stocktake(body: StocktakeOpen, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        no = await stocktakes.open_stocktake(unit, principal.sub, body.warehouse_code, body.skus, body.threshold_pct)
    return await _detail(runtime, no)


@router.post("/stocktakes/{no}/counts")
async def record_counts(no: str, body: Counts, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """Counted quantities (absolute) by sku or barcode; a later count of the same sku replaces it."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        counts: dict[str, Decimal] = {}
        for i, c in enumerate(body.lines):
            sku = c.sku
            if c.barcode is not None:
                sku = await session.scalar(
                    product_barcodes.select()
                    .with_only_columns(product_barcodes.c.sku)
                    .where(product_barcodes.c.barcode == c.barcode)
                )
            if sku is None:
                raise InputError(f"lines.{i}", "a known sku or barcode is required")
            counts[sku] = c.counted_qty
        await stocktakes.record_counts(unit, principal.sub, no, counts)
    return await _detail(runtime, no)


@router.post("/stocktakes/{no}/submit")
async def submit(no: str, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await stocktakes.submit(unit, principal.sub, no)
    return await _detail(runtime, no)


@router.post("/stocktakes/{no}/approve")
async def approve(no: str, runtime: RuntimeDep, principal: Approver) -> dict[str, Any]:
    """Post the variances as `stocktake` adjustments (a manager, not the counting clerk)."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await stocktakes.approve(unit, principal.sub, no)
    return await _detail(runtime, no)


@router.get("/stocktakes/{no}")
async def get_stocktake(no: str, runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    return await _detail(runtime, no)

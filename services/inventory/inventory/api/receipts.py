"""Goods receipts (入库单) over HTTP, and the local copy of sent purchase orders they are checked against."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from contracts.common import Barcode, Code, NonNegativeQuantity, PositiveQuantity, UnitCost
from inventory.api.deps import Reader, Warehouse
from inventory.config import InventoryUnit, RuntimeDep
from inventory.db import purchase_order_lines, purchase_orders
from inventory.handlers import receipts
from servicekit.auth import Principal, require
from servicekit.errors import NotFoundError
from servicekit.idempotency import create_once
from servicekit.inputs import OptionalLongText
from servicekit.unit import unit_of

router = APIRouter(tags=["receipts"])
PoNo = Annotated[str, Field(pattern=r"^PO-\d{4}-\d{1,12}$")]
Poster = Annotated[Principal, Depends(require("warehouse", "purchasing_manager"))]


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    po_no: PoNo | None = None
    warehouse_code: Code | None = None
    supplier_code: Code | None = None
    reason: OptionalLongText = Field(default=None, description="required for a receipt without a PO")


class ReceiptScan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    barcode: Barcode
    qty: PositiveQuantity = Decimal("1")


class ReceiptLineAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Code
    qty: PositiveQuantity
    qty_rejected: NonNegativeQuantity = Decimal("0")
    reject_reason: OptionalLongText = None
    unit_cost: UnitCost | None = Field(default=None, description="receipts without a PO; else the PO price")


class ReceiptPost(BaseModel):
    model_config = ConfigDict(extra="forbid")
    override: bool = Field(default=False, description="accept over-tolerance quantities (purchasing_manager)")


@router.post("/goods-receipts", status_code=201)
async def create_receipt(
    body: ReceiptCreate,
    runtime: RuntimeDep,
    response: Response,
    principal: Warehouse,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def work(unit: InventoryUnit) -> Any:
        head = receipts.ReceiptHeader(body.po_no, body.warehouse_code, body.supplier_code, body.reason)
        grn_no = await receipts.create_receipt(unit, principal, head)
        return _jsonable(await receipts.read(unit.session, grn_no))

    return await create_once(
        runtime, response, key=idempotency_key, principal=principal.sub, endpoint="POST /goods-receipts", body=body,
        work=work,
    )  # fmt: skip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


async def _detail(runtime: Any, grn_no: str) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        return await receipts.read(session, grn_no)


@router.post("/goods-receipts/{grn_no}/scans")
async def scan(grn_no: str, body: ReceiptScan, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """Each scan adds `qty` (default 1) received of the scanned product."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        line = receipts.LineInput(sku=None, barcode=body.barcode, qty=body.qty)
        await receipts.add_line(unit, principal.sub, grn_no, line)
    return await _detail(runtime, grn_no)


@router.post("/goods-receipts/{grn_no}/lines")
async def add_line(grn_no: str, body: ReceiptLineAdd, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        line = receipts.LineInput(body.sku, None, body.qty, body.qty_rejected, body.reject_reason, body.unit_cost)
        await receipts.add_line(unit, principal.sub, grn_no, line)
    return await _detail(runtime, grn_no)


@router.post("/goods-receipts/{grn_no}/post")
async def post_receipt(grn_no: str, body: ReceiptPost, runtime: RuntimeDep, principal: Poster) -> dict[str, Any]:
    """Post once: on-hand rises and GoodsReceived is emitted. A second post answers 409 `already_posted`."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await receipts.post_receipt(unit, principal, grn_no, body.override)
    return await _detail(runtime, grn_no)


@router.get("/goods-receipts/{grn_no}")
async def get_receipt(grn_no: str, runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    return await _detail(runtime, grn_no)


@router.get("/purchase-orders/{po_no}")
async def get_purchase_order(po_no: str, runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    """The purchase order as inventory knows it, with what has been received against each line."""
    async with runtime.db.transaction() as session:
        po = (await session.execute(select(purchase_orders).where(purchase_orders.c.po_no == po_no))).mappings().first()
        if po is None:
            raise NotFoundError("purchase order", po_no)
        lines = (
            await session.execute(
                select(purchase_order_lines)
                .where(purchase_order_lines.c.po_no == po_no)
                .order_by(purchase_order_lines.c.line_no)
            )
        ).mappings()
        return {**po, "lines": [dict(x) for x in lines]}

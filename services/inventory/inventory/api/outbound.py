"""Outbound orders (出库单) over HTTP: list and detail, pick by barcode scan, ship one or a batch, deliver."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Barcode, ShortText
from inventory.api import exports
from inventory.api.deps import Reader, Warehouse
from inventory.config import InventoryRuntime, RuntimeDep
from inventory.handlers import outbound, shipping
from servicekit.errors import NotFoundError
from servicekit.inputs import OptionalText
from servicekit.tabular import FormatQuery, export_query
from servicekit.unit import unit_of

router = APIRouter(tags=["outbound"])


class Scan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    barcode: Barcode


class Unpick(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class Dispatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: ShortText
    tracking_no: OptionalText = None


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    do_no: Annotated[str, Field(pattern=r"^DO-\d{4}-\d{1,12}$")]
    tracking_no: OptionalText = None
    carrier: OptionalText = Field(default=None, description="overrides the batch's carrier")


class BatchDispatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: ShortText
    items: Annotated[list[BatchItem], Field(min_length=1, max_length=500)]


class Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_by: OptionalText = None


async def detail(runtime: InventoryRuntime, do_no: str) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        found = await outbound.read(session, [do_no])
    if not found:
        raise NotFoundError("outbound order", do_no)
    return found[0]


@router.get("/outbound-orders")
async def list_outbound(
    runtime: RuntimeDep,
    _: Reader,
    status: Annotated[list[str] | None, Query(description="one or more states")] = None,
    order_no: str | None = None,
    warehouse_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    """Outbound orders, the newest first (the picking queue: `status=created&status=picking&status=packed`)."""
    filters = {"order_no": order_no, "warehouse_code": warehouse_code}
    if format:
        query = exports.outbound_query({k: v for k, v in filters.items() if v is not None}, status)
        return export_query(runtime.db, query, exports.OUTBOUND, fmt=format, name="outbound-orders")
    async with runtime.db.transaction() as session:
        given = {k: v for k, v in filters.items() if v is not None}
        return await outbound.search(session, given, limit, offset, status or ())


@router.get("/outbound-orders/{do_no}")
async def get_outbound(do_no: str, runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    return await detail(runtime, do_no)


@router.post("/outbound-orders/{do_no}/scans")
async def scan(do_no: str, body: Scan, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """One scan picks one unit of the scanned product. Unknown barcode 422; not on this order 409
    `wrong_item`; more than ordered 409 `over_pick`."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await outbound.scan(unit, principal.sub, do_no, body.barcode)
    return await detail(runtime, do_no)


@router.post("/outbound-orders/{do_no}/pick-all")
async def pick_all(do_no: str, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await outbound.pick_all(unit, principal.sub, do_no)
    return await detail(runtime, do_no)


@router.post("/outbound-orders/{do_no}/unpick")
async def unpick(do_no: str, body: Unpick, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """Put the picked goods back (audited): the outbound order is `created` again and its sales order may be
    edited. Only a picking or packed order (409 `not_picked` otherwise)."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await outbound.unpick(unit, principal.sub, do_no, body.reason)
    return await detail(runtime, do_no)


@router.post("/outbound-orders/{do_no}/ship")
async def ship(do_no: str, body: Dispatch, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        item = shipping.ShipItem(do_no, body.carrier, body.tracking_no)
        await shipping.ship(unit, principal.sub, [item], None)
    return await detail(runtime, do_no)


@router.post("/shipments/batch")
async def ship_batch(body: BatchDispatch, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """Ship many outbound orders at once, in one transaction: all of them, or (on any refusal) none."""
    batch_no = f"BATCH-{uuid.uuid4().hex[:12].upper()}"
    items = [shipping.ShipItem(i.do_no, i.carrier or body.carrier, i.tracking_no) for i in body.items]
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        shipped = await shipping.ship(unit, principal.sub, items, batch_no)
    return {"batch_no": batch_no, "carrier": body.carrier, "shipped": shipped}


@router.post("/outbound-orders/{do_no}/deliver")
async def deliver(do_no: str, body: Delivery, runtime: RuntimeDep, principal: Warehouse) -> dict[str, Any]:
    """Delivery sign-off (签收)."""
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await shipping.deliver(unit, principal.sub, do_no, body.signed_by)
    return await detail(runtime, do_no)

"""Returns (退货, RMA-) over HTTP: the warehouse receives and inspects one (restock or scrap, per line); list and
read them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Code, LineNo, PositiveQuantity
from inventory.api.deps import Reader, Warehouse
from inventory.config import RuntimeDep
from inventory.handlers import returns
from servicekit.documents import listed
from servicekit.errors import NotFoundError
from servicekit.inputs import OptionalText
from servicekit.openapi import conflicts
from servicekit.tabular import FormatQuery, columns
from servicekit.unit import unit_of

router = APIRouter(tags=["returns"])

RETURN_LINES = columns(
    ("return_no", "退货单号", "Return"),
    ("order_no", "销售订单", "Order"),
    ("customer_code", "客户编码", "Customer"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("status", "状态", "Status"),
    ("reason", "退货原因", "Reason"),
    ("authorized_at", "批准时间", "Authorized at"),
    ("received_by", "收货人", "Received by"),
    ("received_at", "收货时间", "Received at"),
    ("line_no", "行号", "Line"),
    ("sku", "产品编码", "SKU"),
    ("qty", "退货数量", "Quantity"),
    ("unit_cost", "单位成本", "Unit cost"),
    ("restocked_qty", "重新入库数量", "Restocked"),
    ("scrapped_qty", "报废数量", "Scrapped"),
    ("note", "检验备注", "Inspection note"),
)


class InspectedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: LineNo
    qty: PositiveQuantity
    result: Literal["restock", "scrap"] = Field(description="restock: back on hand; scrap: written off")
    note: OptionalText = None


class ReturnReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse_code: Code | None = Field(default=None, description="default: the warehouse the order shipped from")
    lines: Annotated[list[InspectedLine], Field(min_length=1, max_length=1000)]


async def _one(runtime: RuntimeDep, return_no: str) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        found = await returns.read(session, return_no=return_no)
    if not found:
        raise NotFoundError("return", return_no)
    result: dict[str, Any] = found[0]
    return result


@router.post("/returns/{return_no}/receive", responses=conflicts("return_already_received"))
async def receive_return(return_no: str, body: ReturnReceipt, runtime: RuntimeDep, principal: Warehouse) -> Any:
    """Receive a return's goods with the inspection result: every authorized quantity, per line, restocked (on
    hand again at the cost it left with) or scrapped (written off); a line may be split between the two.
    Publishes `ReturnReceived` (finance credits it). Once (409 `return_already_received`)."""
    inspected = [returns.Inspected(x.line_no, x.qty, x.result, x.note) for x in body.lines]
    async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
        await returns.receive(unit, principal.sub, return_no, inspected, body.warehouse_code)
    return await _one(runtime, return_no)


@router.get("/returns")
async def list_returns(
    runtime: RuntimeDep,
    _: Reader,
    order_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500, description="of the list; the file has every return")] = 100,
    format: FormatQuery = None,
) -> Any:
    async with runtime.db.transaction() as session:
        found = await returns.read(session, order_no=order_no)
    return listed(found, limit=limit, fmt=format, columns=RETURN_LINES, name="returns")


@router.get("/returns/{return_no}")
async def get_return(return_no: str, runtime: RuntimeDep, _: Reader) -> Any:
    return await _one(runtime, return_no)

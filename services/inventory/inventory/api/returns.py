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
from servicekit.errors import NotFoundError
from servicekit.inputs import OptionalText
from servicekit.openapi import conflicts

router = APIRouter(tags=["returns"])


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
    async with runtime.db.transaction() as session:
        await returns.receive(session, runtime, principal.sub, return_no, inspected, body.warehouse_code)
    return await _one(runtime, return_no)


@router.get("/returns")
async def list_returns(
    runtime: RuntimeDep, _: Reader, order_no: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Any:
    async with runtime.db.transaction() as session:
        return (await returns.read(session, order_no=order_no))[:limit]


@router.get("/returns/{return_no}")
async def get_return(return_no: str, runtime: RuntimeDep, _: Reader) -> Any:
    return await _one(runtime, return_no)

"""Returns (退货, RMA-) over HTTP: authorize one against a shipped order (sales), list and read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from sales.api.orders import Reader, Seller
from sales.api.schemas import ReturnCreate, ReturnRead
from sales.config import RuntimeDep
from sales.handlers import returns
from servicekit.documents import listed
from servicekit.openapi import conflicts
from servicekit.tabular import FormatQuery, columns
from servicekit.unit import unit_of

router = APIRouter(tags=["returns"])

RETURN_LINES = columns(
    ("return_no", "退货单号", "Return"),
    ("order_no", "销售订单", "Order"),
    ("status", "状态", "Status"),
    ("reason", "退货原因", "Reason"),
    ("warehouse_code", "仓库编码", "Warehouse"),
    ("authorized_by", "批准人", "Authorized by"),
    ("authorized_at", "批准时间", "Authorized at"),
    ("received_at", "收货时间", "Received at"),
    ("credit_note_nos", "红字发票", "Credit notes"),
    ("line_no", "行号", "Line"),
    ("sku", "产品编码", "SKU"),
    ("qty", "退货数量", "Quantity"),
    ("restocked_qty", "重新入库数量", "Restocked"),
    ("scrapped_qty", "报废数量", "Scrapped"),
)


@router.post(
    "/orders/{order_no}/returns",
    status_code=201,
    response_model=ReturnRead,
    responses=conflicts("order_not_shipped", "return_exceeds_shipped"),
)
async def create_return(order_no: str, body: ReturnCreate, runtime: RuntimeDep, principal: Seller) -> Any:
    """Authorize a return of shipped goods, per order line and quantity (at most what shipped and is not yet
    returned: 409 `return_exceeds_shipped`; nothing shipped: 409 `order_not_shipped`). Publishes
    `ReturnAuthorized`: the warehouse receives and inspects the goods, finance credits them."""
    wanted = [(x.line_no, x.qty) for x in body.lines]
    async with runtime.db.transaction() as session:
        async with unit_of(session, runtime, principal.sub) as tx:
            return_no = await returns.authorize_return(tx, order_no, wanted, body.reason)
        return await returns.return_or_404(session, return_no)


@router.get("/returns", response_model=list[ReturnRead])
async def list_returns(
    runtime: RuntimeDep,
    _: Reader,
    order_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500, description="of the list; the file has every return")] = 100,
    format: FormatQuery = None,
) -> Any:
    async with runtime.db.transaction() as session:
        found = await returns.returns_of(session, order_no)
    return listed(found, limit=limit, fmt=format, columns=RETURN_LINES, name="returns")


@router.get("/returns/{return_no}", response_model=ReturnRead)
async def get_return(return_no: str, runtime: RuntimeDep, _: Reader) -> Any:
    async with runtime.db.transaction() as session:
        return await returns.return_or_404(session, return_no)

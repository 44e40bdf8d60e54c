"""The customer's view of an order's progress: no staff login, the order number and its tracking token.
A wrong token answers exactly like an unknown order (404), so numbers cannot be probed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from sales import queries
from sales.api.schemas import TrackingRead
from sales.config import RuntimeDep
from servicekit.errors import NotFoundError

router = APIRouter(tags=["tracking"])


@router.get("/track/{order_no}", response_model=TrackingRead)
async def track_order(
    order_no: str, runtime: RuntimeDep, token: Annotated[str, Query(min_length=1, max_length=128)]
) -> Any:
    async with runtime.db.transaction() as session:
        data = await queries.tracking(session, order_no, token)
    if data is None:
        raise NotFoundError("order", order_no)
    return data

"""HTTP API under /api/v1: request/response schemas and roles; each endpoint calls one use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from pydantic import Field, PlainSerializer

from finance.config import FinanceRuntime, FinanceUnit
from servicekit.auth import Principal, require
from servicekit.unit import unit_of

T = TypeVar("T")

Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2), PlainSerializer(lambda v: format(v, "f"), str)]
PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=2), PlainSerializer(lambda v: format(v, "f"), str)
]
Qty = Annotated[Decimal, Field(max_digits=15, decimal_places=3), PlainSerializer(lambda v: format(v, "f"), str)]

# Who may do what (admin always passes; auditor reads).
Finance = Annotated[Principal, Depends(require("finance", "finance_manager"))]
FinanceManager = Annotated[Principal, Depends(require("finance_manager"))]
FinanceReader = Annotated[Principal, Depends(require("finance", "finance_manager", read=True))]
CreditReader = Annotated[Principal, Depends(require("finance", "finance_manager", "sales_manager", read=True))]


async def in_transaction(runtime: FinanceRuntime, use_case: Callable[[FinanceUnit], Awaitable[T]]) -> T:
    async with runtime.db.transaction() as session, unit_of(session, runtime) as unit:
        return await use_case(unit)


def plain(value: Any) -> Any:
    """JSON-safe: decimals as fixed-point strings (never floats), dates as ISO strings."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

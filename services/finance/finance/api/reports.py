"""Statements (对账单) and AR/AP ageing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from finance import reports
from finance.api import FinanceReader, plain
from servicekit.app import RuntimeDep
from servicekit.errors import InputError

router = APIRouter(tags=["reports"])


@router.get("/statements/{party_type}/{code}")
async def statement(
    party_type: Literal["customers", "suppliers"],
    code: str,
    runtime: RuntimeDep,
    _: FinanceReader,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Any:
    if end < start:
        raise InputError("to", "must not be before from")
    async with runtime.db.transaction() as s:
        return plain(await reports.statement(s, party_type.removesuffix("s"), code, start, end))


@router.get("/ageing/{kind}")
async def ageing(
    kind: Literal["receivables", "payables"], runtime: RuntimeDep, _: FinanceReader, as_of: date | None = None
) -> Any:
    async with runtime.db.transaction() as s:
        return plain(await reports.ageing(s, kind, as_of or runtime.clock.now().date()))

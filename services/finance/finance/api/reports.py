"""Statements (对账单) and AR/AP ageing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from finance import reports
from finance.api import FinanceReader, files, plain
from finance.config import RuntimeDep
from servicekit.errors import InputError
from servicekit.tabular import FormatQuery

router = APIRouter(tags=["reports"])


@router.get("/statements/{party_type}/{code}")
async def statement(
    party_type: Literal["customers", "suppliers"],
    code: str,
    runtime: RuntimeDep,
    _: FinanceReader,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: FormatQuery = None,
) -> Any:
    if end < start:
        raise InputError("to", "must not be before from")
    async with runtime.db.transaction() as s:
        report = await reports.statement(s, party_type.removesuffix("s"), code, start, end)
    return files.export_statement(report, format) if format else plain(report)


@router.get("/ageing/{kind}")
async def ageing(
    kind: Literal["receivables", "payables"],
    runtime: RuntimeDep,
    _: FinanceReader,
    as_of: date | None = None,
    format: FormatQuery = None,
) -> Any:
    async with runtime.db.transaction() as s:
        report = await reports.ageing(s, kind, as_of or runtime.clock.now().date())
    return files.export_ageing(report, format) if format else plain(report)

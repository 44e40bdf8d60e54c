"""Month-end close (月结) over HTTP: the reconciliation report, close (finance_manager), reopen (audited), list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from finance.api import FinanceManager, FinanceReader, files, in_transaction, plain
from finance.config import FinanceUnit, RuntimeDep
from finance.db import periods
from finance.handlers import periods as close
from servicekit.openapi import conflicts
from servicekit.tabular import FormatQuery, export_query, export_rows

router = APIRouter(tags=["periods"])


class Reopen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/periods")
async def list_periods(runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    """The periods closed (or reopened); a month not listed is open."""
    query = select(periods).order_by(periods.c.period.desc())
    if format:
        return export_query(runtime.db, query, files.PERIODS, fmt=format, name="periods")
    async with runtime.db.transaction() as s:
        rows = (await s.execute(query)).mappings()
        return plain([{k: v for k, v in r.items() if k != "report"} for r in rows])


@router.get("/periods/{period}/reconciliation")
async def period_report(period: str, runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    """Per control account: the subledger, the difference and the documents that explain the balance (the file:
    one row per check)."""

    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        return await close.report(c, period)

    report = await in_transaction(runtime, use_case)
    if format:
        return export_rows(report["checks"], files.PERIOD_CHECKS, fmt=format, name=f"reconciliation-{period}")
    return plain(report)


@router.post("/periods/{period}/close", responses=conflicts("period_closed", "period_not_reconciled"))
async def close_period(period: str, runtime: RuntimeDep, who: FinanceManager) -> Any:
    """Close a month on its reconciliation report (kept with it; refused while a check disagrees: 409
    `period_not_reconciled`). Afterwards an entry an event causes in it goes to the next open month, a date a
    person enters in it is refused (409 `period_closed`)."""

    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        return await close.close(c, period, who.sub)

    return plain(await in_transaction(runtime, use_case))


@router.post("/periods/{period}/reopen")
async def reopen_period(period: str, body: Reopen, runtime: RuntimeDep, who: FinanceManager) -> Any:
    """Reopen a closed month (audited, with the reason)."""

    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        return await close.reopen(c, period, who.sub, body.reason)

    return plain(await in_transaction(runtime, use_case))

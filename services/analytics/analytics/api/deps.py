"""What every report endpoint shares: the filters, the settings, the unit of work, and the answer as JSON (decimal
strings) or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.config import AnalyticsRuntime, AnalyticsSettings
from analytics.domain import Filters, PeriodError, business_day, parse_period
from servicekit.errors import InputError

Code = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: the report's main table as CSV")]


def settings_of(request: Request) -> AnalyticsSettings:
    settings: AnalyticsSettings = request.app.state.settings
    return settings


Settings = Annotated[AnalyticsSettings, Depends(settings_of)]


async def session_of(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: AnalyticsRuntime = request.app.state.runtime
    async with runtime.db.transaction() as session:
        yield session


Session = Annotated[AsyncSession, Depends(session_of)]


def today_of(request: Request) -> date:
    runtime: AnalyticsRuntime = request.app.state.runtime
    return business_day(runtime.clock.now(), settings_of(request).tz)


def now_of(request: Request) -> datetime:
    runtime: AnalyticsRuntime = request.app.state.runtime
    return runtime.clock.now()


Today = Annotated[date, Depends(today_of)]
Now = Annotated[datetime, Depends(now_of)]


def filters(
    today: Today,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2})?$", description="YYYY or YYYY-MM")] = None,
    start: Annotated[date | None, Query(alias="from", description="first day (company time zone)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, inclusive")] = None,
    warehouse: Code = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    sku: Code = None,
    supplier: Code = None,
    customer: Code = None,
) -> Filters:
    try:
        p = parse_period(period, start, end, today)
    except PeriodError as exc:
        raise InputError("period" if period else "from", str(exc)) from exc
    if p.days > 3 * 366:
        raise InputError("from", "a report covers at most three years")
    return Filters(p, warehouse, category, sku, supplier, customer)


ReportFilters = Annotated[Filters, Depends(filters)]


def wire(value: Any) -> Any:
    """Decimals as fixed-point strings (never floats), dates ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, list):
            out[f"{prefix}{k}"] = "; ".join(str(x) for x in v)
        else:
            out[f"{prefix}{k}"] = v
    return out


def answer(report: dict[str, Any], fmt: str, table: str, name: str) -> Response:
    if fmt == "json":
        return JSONResponse(wire(report))
    rows = [_flat(wire(r)) for r in report[table]]
    buf = io.StringIO()
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r if c not in columns]
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        buf.getvalue().encode("utf-8-sig"),  # the BOM: Excel opens UTF-8 (Chinese names) correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )

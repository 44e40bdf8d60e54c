"""The exception-case report for a period (cases opened in [from, to)): counts by type, supplier,
customer and state, escalations, and mean time to resolve. Closed cases stay in it (the archive)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime
from sqlalchemy import extract, func, select

from notifier.api import files
from notifier.api.deps import StaffRead
from notifier.config import RuntimeDep
from notifier.db import cases
from servicekit.errors import InputError
from servicekit.tabular import FormatQuery

router = APIRouter(tags=["cases"])


def _hours(seconds: Any) -> str | None:
    if seconds is None:
        return None
    return str((Decimal(str(seconds)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@router.get("/reports/cases")
async def case_report(
    runtime: RuntimeDep, _: StaffRead, opened_from: AwareDatetime, opened_to: AwareDatetime, format: FormatQuery = None
) -> Any:
    if opened_to <= opened_from:
        raise InputError("opened_to", "must be after opened_from")
    period = (cases.c.opened_at >= opened_from, cases.c.opened_at < opened_to)
    ttr = extract("epoch", cases.c.resolved_at - cases.c.opened_at)
    async with runtime.db.transaction() as session:

        async def count_by(column: Any) -> dict[str, int]:
            rows = await session.execute(select(column, func.count()).where(*period).group_by(column))
            return {str(k) if k is not None else "-": int(n) for k, n in rows.all()}

        by_type = await count_by(cases.c.case_type)
        by_supplier = await count_by(cases.c.supplier_code)
        by_customer = await count_by(cases.c.customer_code)
        by_state = await count_by(cases.c.state)
        totals = (
            await session.execute(
                select(
                    func.count(), func.count(cases.c.resolved_at), func.count().filter(cases.c.level > 0), func.avg(ttr)
                ).where(*period)
            )
        ).one()
        ttr_rows = (
            await session.execute(
                select(cases.c.case_type, func.avg(ttr))
                .where(*period, cases.c.resolved_at.is_not(None))
                .group_by(cases.c.case_type)
            )
        ).all()
    report = {
        "opened_from": opened_from.isoformat(),
        "opened_to": opened_to.isoformat(),
        "total": int(totals[0]),
        "resolved": int(totals[1]),
        "escalated": int(totals[2]),
        "by_type": by_type,
        "by_supplier": by_supplier,
        "by_customer": by_customer,
        "by_state": by_state,
        "mean_hours_to_resolve": _hours(totals[3]),
        "mean_hours_to_resolve_by_type": {t: _hours(s) for t, s in ttr_rows},
    }
    return files.export_case_report(report, format) if format else report

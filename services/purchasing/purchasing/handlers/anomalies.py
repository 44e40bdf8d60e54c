"""Purchase anomalies (异常预警): stored once per (PO, type, subject) and published the moment they are known;
the overdue scan is a periodic job safe with several replicas."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.purchasing import AnomalyLine, PurchaseAnomalyRaised
from purchasing.db import po_anomalies, purchase_order_lines, purchase_orders
from purchasing.domain import PO_RECEIVING, Finding
from purchasing.unit import Tx
from servicekit.runtime import Runtime

OVERDUE_BATCH = 500


async def raise_anomaly(
    tx: Tx,
    po: Any,
    finding: Finding,
    subject: str,
    *,
    grn_no: str | None = None,
    bill_no: str | None = None,
) -> bool:
    """Record and publish an anomaly unless this (PO, type, subject) was already raised. True if new."""
    now = tx.clock.now()
    anomaly_id = uuid.uuid4()
    lines = [
        AnomalyLine(line_no=line_no, sku=sku, expected=expected, actual=actual)
        for line_no, sku, expected, actual in finding.lines
    ]
    inserted = await tx.session.scalar(
        insert(po_anomalies)
        .values(
            id=anomaly_id,
            po_no=po.po_no,
            anomaly_type=finding.anomaly_type,
            subject=subject,
            severity=finding.severity,
            details=finding.details,
            lines=[line.model_dump(mode="json") for line in lines],
            grn_no=grn_no,
            bill_no=bill_no,
            raised_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_po_anomalies_subject")
        .returning(po_anomalies.c.id)
    )
    if inserted is None:
        return False
    await tx.publish(
        PurchaseAnomalyRaised(
            anomaly_id=anomaly_id,
            po_no=po.po_no,
            supplier_code=po.supplier_code,
            anomaly_type=finding.anomaly_type,
            severity=finding.severity,
            details=finding.details,
            grn_no=grn_no,
            bill_no=bill_no,
            lines=lines,
            detected_at=now,
        )
    )
    return True


async def resolve(tx: Tx, po_no: str, anomaly_types: tuple[str, ...]) -> None:
    await tx.session.execute(
        update(po_anomalies)
        .where(
            po_anomalies.c.po_no == po_no,
            po_anomalies.c.anomaly_type.in_(anomaly_types),
            po_anomalies.c.status == "open",
        )
        .values(status="resolved", resolved_at=tx.clock.now())
    )


async def scan_overdue(runtime: Runtime, session: AsyncSession) -> None:
    """One tick: every PO past its expected date and not fully received gets one `overdue` anomaly."""
    tx = Tx.of_runtime(session, runtime)
    today = runtime.clock.now().date()
    po = purchase_orders
    rows = list(
        await session.execute(
            select(po)
            .where(po.c.overdue_raised_at.is_(None), po.c.status.in_(PO_RECEIVING), po.c.expected_date < today)
            .order_by(po.c.expected_date)
            .limit(OVERDUE_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return
    lines = purchase_order_lines
    outstanding: dict[str, list[Any]] = {}
    for ln in await session.execute(
        select(lines).where(lines.c.po_no.in_([r.po_no for r in rows])).order_by(lines.c.line_no)
    ):
        if ln.qty_received < ln.qty_ordered:
            outstanding.setdefault(ln.po_no, []).append(ln)
    for row in rows:
        late = outstanding.get(row.po_no, [])
        days = (today - row.expected_date).days
        finding = Finding(
            "overdue",
            "warning",
            f"expected {row.expected_date}, {days} day(s) late and not fully received",
            tuple((ln.line_no, ln.sku, ln.qty_ordered, ln.qty_received) for ln in late),
        )
        await raise_anomaly(tx, row, finding, "po")
    await session.execute(
        update(po).where(po.c.po_no.in_([r.po_no for r in rows])).values(overdue_raised_at=runtime.clock.now())
    )

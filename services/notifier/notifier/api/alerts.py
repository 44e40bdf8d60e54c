"""Alerts and their deliveries: what was raised, where it went, every attempt, what failed."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select, update

from contracts.common import Severity
from notifier.api import files
from notifier.api.deps import Admin, StaffRead
from notifier.config import RuntimeDep
from notifier.db import alerts, deliveries, delivery_attempts, kit
from notifier.rules import at_least
from servicekit import audit
from servicekit.audit import row_json
from servicekit.errors import DomainError, NotFoundError
from servicekit.inputs import RowId
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
async def list_alerts(
    runtime: RuntimeDep,
    _: StaffRead,
    rule_code: str | None = None,
    subject_id: str | None = None,
    delivery_status: str | None = None,
    open_only: bool = False,
    min_severity: Annotated[
        Severity | None, Query(description="this severity and above (warning: the anomalies)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    format: FormatQuery = None,
) -> Any:
    query = select(alerts).order_by(alerts.c.raised_at.desc()).limit(limit)
    if rule_code:
        query = query.where(alerts.c.rule_code == rule_code)
    if subject_id:
        query = query.where(alerts.c.subject_id == subject_id)
    if delivery_status:
        query = query.where(alerts.c.delivery_status == delivery_status)
    if open_only:
        query = query.where(alerts.c.cleared_at.is_(None))
    if min_severity:
        query = query.where(alerts.c.severity.in_(at_least(min_severity)))
    if format:
        return export_query(runtime.db, query.limit(None), files.ALERTS, fmt=format, name="alerts")
    async with runtime.db.transaction() as session:
        return [row_json(r) for r in (await session.execute(query)).mappings().all()]


@router.get("/alerts/{alert_id}")
async def get_alert(alert_id: uuid.UUID, runtime: RuntimeDep, _: StaffRead) -> dict[str, Any]:
    async with runtime.db.transaction() as session:
        alert = (await session.execute(select(alerts).where(alerts.c.alert_id == alert_id))).mappings().first()
        if alert is None:
            raise NotFoundError("alert", alert_id)
        rows = (
            (
                await session.execute(
                    select(deliveries).where(deliveries.c.alert_id == alert_id).order_by(deliveries.c.id)
                )
            )
            .mappings()
            .all()
        )
        attempts = (
            (
                await session.execute(
                    select(delivery_attempts)
                    .where(delivery_attempts.c.delivery_id.in_([r["id"] for r in rows]))
                    .order_by(delivery_attempts.c.delivery_id, delivery_attempts.c.attempt_no)
                )
            )
            .mappings()
            .all()
        )
    by_delivery: dict[int, list[dict[str, Any]]] = {}
    for a in attempts:
        by_delivery.setdefault(a["delivery_id"], []).append(row_json(a))
    return {
        **row_json(alert),
        "deliveries": [{**row_json(r), "attempt_log": by_delivery.get(r["id"], [])} for r in rows],
    }


@router.get("/deliveries")
async def list_deliveries(
    runtime: RuntimeDep,
    _: StaffRead,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    format: FormatQuery = None,
) -> Any:
    query = select(deliveries).order_by(deliveries.c.id.desc())
    if status:
        query = query.where(deliveries.c.status == status)
    if format:
        return export_query(runtime.db, query, files.DELIVERIES, fmt=format, name="deliveries")
    async with runtime.db.transaction() as session:
        return [row_json(r) for r in (await session.execute(query.limit(limit))).mappings().all()]


@router.get("/deliveries/{delivery_id}/attempts")
async def list_attempts(delivery_id: RowId, runtime: RuntimeDep, _: StaffRead, format: FormatQuery = None) -> Any:
    query = (
        select(delivery_attempts)
        .where(delivery_attempts.c.delivery_id == delivery_id)
        .order_by(delivery_attempts.c.attempt_no)
    )
    if format:
        return export_query(runtime.db, query, files.ATTEMPTS, fmt=format, name=f"delivery-{delivery_id}-attempts")
    async with runtime.db.transaction() as session:
        rows = (await session.execute(query)).mappings().all()
    return [row_json(r) for r in rows]


@router.post("/deliveries/{delivery_id}/retry")
async def retry_delivery(delivery_id: RowId, runtime: RuntimeDep, principal: Admin) -> dict[str, Any]:
    """Give a failed delivery another round of attempts (e.g. after fixing an endpoint)."""
    async with runtime.db.transaction() as session:
        row = (
            (await session.execute(select(deliveries).where(deliveries.c.id == delivery_id).with_for_update()))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("delivery", delivery_id)
        if row["status"] != "failed":
            raise DomainError("delivery_not_failed", f"delivery {delivery_id} is {row['status']}")
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                status="pending",
                max_attempts=row["attempts"] + row["max_attempts"],
                next_attempt_at=runtime.clock.now(),
                failed_at=None,
            )
        )
        await session.execute(
            update(alerts).where(alerts.c.alert_id == row["alert_id"]).values(delivery_status="pending")
        )
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="delivery",
            entity_id=str(delivery_id),
            action="retried",
            before={"status": "failed"},
            after={"status": "pending"},
        )
    return {"id": delivery_id, "status": "pending"}

"""The purchasing service's only wiring point: `uvicorn --factory purchasing.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from purchasing.api import approval_rules, files, orders, requisitions, suppliers
from purchasing.config import PurchasingSettings
from purchasing.consumers import build_handlers
from purchasing.db import kit
from purchasing.handlers.anomalies import scan_overdue
from purchasing.handlers.approval import approval_deadlines
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition
from servicekit.scheduler import periodic

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
OVERDUE_JOB = "purchasing.overdue-scan"
APPROVAL_JOB = "purchasing.approval-deadlines"


def definition(settings: PurchasingSettings | None = None) -> ServiceDefinition[PurchasingSettings]:
    settings = settings or PurchasingSettings()
    return ServiceDefinition(
        name="purchasing",
        description="Purchasing: suppliers and quotes, requisitions, approvals, sourcing, purchase orders, anomalies.",
        tables=kit,
        routers=[
            suppliers.router,
            approval_rules.router,
            requisitions.router,
            orders.router,
            files.router,
            files.history,
        ],
        handlers=build_handlers(settings),
        migrations_dir=MIGRATIONS,
        background=[
            periodic(OVERDUE_JOB, settings.overdue_scan_seconds, scan_overdue),
            periodic(APPROVAL_JOB, settings.overdue_scan_seconds, approval_deadlines),
        ],
    )


def create_app(settings: PurchasingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or PurchasingSettings()
    return create_service_app(definition(settings), settings, clock=clock)

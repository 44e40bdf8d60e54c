"""The sales service's only wiring point: `uvicorn --factory sales.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sales.api import approval_rules, customers, files, orders, returns, tracking
from sales.config import SalesSettings
from sales.consumers import message_handlers
from sales.db import kit
from sales.saga.timeouts import deadline_job
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition(settings: SalesSettings | None = None) -> ServiceDefinition[SalesSettings]:
    settings = settings or SalesSettings()
    return ServiceDefinition(
        name="sales",
        description="Customers, sales orders and the order saga (下单 → 审核 → 配货 → 出库 → 发货 → 结算).",
        tables=kit,
        routers=[
            customers.router,
            orders.router,
            returns.router,
            approval_rules.router,
            tracking.router,
            files.imports,
            files.router,
        ],
        handlers=message_handlers(settings),
        migrations_dir=MIGRATIONS,
        background=[deadline_job(settings.saga_tick_seconds)],
    )


def create_app(settings: SalesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or SalesSettings()
    return create_service_app(definition(settings), settings, clock=clock)

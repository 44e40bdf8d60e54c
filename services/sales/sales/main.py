"""The sales service's only wiring point: `uvicorn --factory sales.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sales import customers
from sales.config import SalesSettings
from sales.db import kit
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.consumer import MessageHandlers
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition() -> ServiceDefinition:
    handlers: MessageHandlers = MessageHandlers()  # type: ignore[type-arg]
    return ServiceDefinition(
        name="sales",
        description="Customers, sales orders and the order saga (下单 → 审核 → 配货 → 出库 → 发货 → 结算).",
        tables=kit,
        routers=[customers.router],
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: SalesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(definition(), settings or SalesSettings(), clock=clock)

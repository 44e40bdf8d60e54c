"""The purchasing service's only wiring point: `uvicorn --factory purchasing.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from purchasing.config import PurchasingSettings
from purchasing.db import kit
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.consumer import MessageHandlers
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition() -> ServiceDefinition:
    handlers: MessageHandlers = MessageHandlers()  # type: ignore[type-arg]
    return ServiceDefinition(
        name="purchasing",
        description="Purchasing: requisitions, approvals, sourcing, purchase orders, anomalies.",
        tables=kit,
        routers=[],
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: PurchasingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(definition(), settings or PurchasingSettings(), clock=clock)

"""The finance service's only wiring point: `uvicorn --factory finance.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from finance import consumers
from finance.api import credit, ledger, payables, receivables
from finance.config import FinanceSettings
from finance.db import kit
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="finance",
        description="Finance: credit, receivables, payables, payments, statements, dunning, the journal.",
        tables=kit,
        routers=[credit.router, ledger.router, receivables.router, payables.router],
        handlers=consumers.build(),
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: FinanceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(definition(), settings or FinanceSettings(), clock=clock)

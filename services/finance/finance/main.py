"""The finance service's only wiring point: `uvicorn --factory finance.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from finance import consumers
from finance.api import (
    credit,
    credit_notes,
    dunning,
    files,
    ledger,
    payables,
    periods,
    receivables,
    reports,
)
from finance.config import FinanceRuntime, FinanceSettings
from finance.db import kit
from finance.handlers.dunning import run_dunning
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition
from servicekit.scheduler import periodic
from servicekit.unit import unit_of

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
DUNNING_JOB = "finance-dunning"
DUNNING_EVERY_SECONDS = FinanceSettings.model_fields["dunning_every_seconds"].default


async def dunning_tick(runtime: FinanceRuntime, session: AsyncSession) -> None:
    async with unit_of(session, runtime) as unit:
        await run_dunning(unit, runtime.settings.dunning_offsets_days)


def definition(settings: FinanceSettings | None = None) -> ServiceDefinition[FinanceSettings]:
    settings = settings or FinanceSettings()
    return ServiceDefinition(
        name="finance",
        description="Finance: credit, receivables, payables, payments, statements, dunning, the journal.",
        tables=kit,
        routers=[
            credit.router,
            ledger.router,
            receivables.router,
            credit_notes.router,
            payables.router,
            reports.router,
            dunning.router,
            periods.router,
            files.router,
        ],
        background=[periodic(DUNNING_JOB, DUNNING_EVERY_SECONDS, dunning_tick)],
        handlers=consumers.build(settings),
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: FinanceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or FinanceSettings()
    return create_service_app(definition(settings), settings, clock=clock)

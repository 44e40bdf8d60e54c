"""The analytics service's only wiring point: `uvicorn --factory analytics.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from analytics.api import reports
from analytics.config import AnalyticsSettings
from analytics.consumers import build_handlers
from analytics.db import kit
from analytics.jobs import background
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition(settings: AnalyticsSettings | None = None) -> ServiceDefinition[AnalyticsSettings]:
    settings = settings or AnalyticsSettings()
    return ServiceDefinition(
        name="analytics",
        description="Analytics: reports (purchase vs sales, movers, turnover, supplier scorecard, customer credit, "
        "order cycle) built from the published events alone.",
        tables=kit,
        routers=[reports.router],
        handlers=build_handlers(settings),
        migrations_dir=MIGRATIONS,
        background=background(settings),
    )


def create_app(settings: AnalyticsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or AnalyticsSettings()
    return create_service_app(definition(settings), settings, clock=clock)

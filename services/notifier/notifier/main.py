"""The notifier service's only wiring point: `uvicorn --factory notifier.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from notifier.api import alerts, cases, channels, inbox, reports, rules
from notifier.config import NotifierSettings
from notifier.consumers import build_handlers
from notifier.db import kit
from notifier.jobs import background
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition(settings: NotifierSettings | None = None) -> ServiceDefinition[NotifierSettings]:
    settings = settings or NotifierSettings()
    return ServiceDefinition(
        name="notifier",
        description="Notifier: alert rules, delivery channels (in-app, email, webhooks, SMS), exception cases.",
        tables=kit,
        routers=[rules.router, inbox.router, alerts.router, channels.router, cases.router, reports.router],
        handlers=build_handlers(settings),
        migrations_dir=MIGRATIONS,
        background=background(settings),
    )


def create_app(settings: NotifierSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    return create_service_app(definition(settings), settings, clock=clock)

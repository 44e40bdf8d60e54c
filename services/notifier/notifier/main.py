"""The notifier service's only wiring point: `uvicorn --factory notifier.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from notifier.config import NotifierSettings
from notifier.db import kit
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.consumer import MessageHandlers
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition() -> ServiceDefinition:
    handlers: MessageHandlers = MessageHandlers()  # type: ignore[type-arg]
    return ServiceDefinition(
        name="notifier",
        description="Notifier: alert rules, delivery channels, exception cases.",
        tables=kit,
        routers=[],
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: NotifierSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(definition(), settings or NotifierSettings(), clock=clock)

"""Subscriptions: the published events the read model is built from (contracts only, through servicekit's
inbox and dead letters). Topics follow from the messages handled."""

from __future__ import annotations

from typing import Any

from analytics.config import AnalyticsSettings
from analytics.handlers.ingest import Ingest, registrations
from servicekit.consumer import MessageHandlers
from servicekit.unit import bound


def build_handlers(settings: AnalyticsSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    for model, handler in registrations(Ingest(settings.company_timezone)):
        handlers.on(model)(bound(settings, handler))
    return handlers

"""Structured logs carrying the correlation id, and Prometheus metrics."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import Counter, Histogram

_correlation: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

MESSAGES = Counter("platform_messages_total", "Messages consumed, by outcome", ["consumer", "topic", "outcome"])
HANDLE_SECONDS = Histogram("platform_message_seconds", "Time to process one message", ["consumer", "topic"])
GROUP_FALLBACKS = Counter(
    "platform_group_fallbacks_total",
    "Batches handled one message at a time after their grouped transaction failed",
    ["consumer"],
)
PUBLISHED = Counter("platform_outbox_published_total", "Outbox rows published to Kafka", ["service"])
PRODUCER_RENEWED = Counter(
    "platform_producer_renewed_total", "Kafka producers replaced after a failed delivery", ["client_id"]
)


@contextlib.contextmanager
def correlation(correlation_id: str | None) -> Iterator[None]:
    token = _correlation.set(correlation_id)
    try:
        yield
    finally:
        _correlation.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": _correlation.get(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

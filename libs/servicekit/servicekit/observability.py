"""Structured logs carrying the correlation id, and Prometheus metrics."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

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
DEAD_LETTERS = Counter(
    "platform_dead_letters_total",
    "Messages dead-lettered, by consumer, topic and reason",
    ["consumer", "topic", "reason"],
)
# HTTP (servicekit.http_observability): by route template (`/api/v1/orders/{order_no}`), never the raw path.
HTTP_REQUESTS = Counter(
    "platform_http_requests_total",
    "HTTP requests answered, by method, route and status",
    ["service", "method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "platform_http_request_seconds",
    "Time to answer one HTTP request, by method and route",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Sampled when /metrics is scraped (servicekit.sampling), not on the hot path.
CONSUMER_LAG = Gauge(
    "platform_consumer_lag",
    "Records not yet consumed, per consumer group and partition",
    ["group", "topic", "partition"],
)
CONSUMER_ASSIGNED = Gauge("platform_consumer_assigned_partitions", "Partitions this replica owns", ["group"])
REBALANCING = Gauge("platform_consumer_rebalancing", "1 while this replica's consumer group is rebalancing", ["group"])
RELAY_LEADER = Gauge("platform_relay_leader", "1 while this replica runs its service's outbox relay", ["service"])
OUTBOX_DEPTH = Gauge("platform_outbox_depth", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_SECONDS = Gauge(
    "platform_outbox_oldest_unsent_seconds", "Age of the oldest outbox row not yet published (0: none)", ["service"]
)
# The order saga (sales): each step's outcome, and how long the saga waited in the step before it.
SAGA_STEPS = Counter("platform_saga_steps_total", "Saga steps recorded, by step and outcome", ["step", "outcome"])
SAGA_STEP_SECONDS = Histogram(
    "platform_saga_step_seconds",
    "Time a saga spent in its previous step before this one was recorded, by step and outcome",
    ["step", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
)


def current_correlation() -> str | None:
    return _correlation.get()


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

"""Traces (OpenTelemetry): a span per HTTP request, per consumed batch, per handled message and per outbox
publication, with the W3C trace context carried through the outbox and in the Kafka headers, so one order's
trace runs from `POST /orders` through inventory and finance and back to sales.

Off unless an OTLP endpoint is configured (`<PREFIX>_OTLP_ENDPOINT`, e.g. `http://otel-collector:4318`). Off, a
`Tracing` is `enabled = False` and every caller on the hot path (consumer, outbox, relay) tests that one
attribute and does nothing else: no span, no context read, no header parsed, nothing stored with an outbox row.

How a trace is chained: whoever writes an outbox row (an HTTP handler, a message handler) stores the W3C
`traceparent` of its current span with the row; the relay publishes the row under a PRODUCER span whose parent
is that context and puts the publication span's own context in the record's `traceparent` header; the consumer
handles the record under a CONSUMER span whose parent is that header, and linked to the span of the batch it
came in (a batch mixes records of many traces, so a batch span is a root of its own)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
OFF: contextlib.nullcontext[None] = contextlib.nullcontext()  # reusable: what a disabled caller enters

ProviderFactory = Callable[[str], TracerProvider | None]
_factory_override: ProviderFactory | None = None


class _NoOrphanClientSpans(Sampler):
    """Roots: every span but a client call made outside any request or message (the relay's polls, a periodic
    job's statements, which the asyncpg instrumentation would otherwise make a trace each of, several a
    second). Children follow their parent (ParentBased)."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        sampler = ALWAYS_OFF if kind == SpanKind.CLIENT else ALWAYS_ON
        return sampler.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "NoOrphanClientSpans"


def sampler() -> Sampler:
    return ParentBased(root=_NoOrphanClientSpans())


def otlp_provider(service: str, endpoint: str) -> TracerProvider:
    """The provider of a service exporting to an OTLP/HTTP endpoint (the collector's base URL or its traces URL)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    resource = Resource.create(
        {"service.name": service, "service.instance.id": f"{socket.gethostname()}-{os.getpid()}"}
    )
    provider = TracerProvider(resource=resource, sampler=sampler())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    return provider


@contextlib.contextmanager
def providers(factory: ProviderFactory) -> Iterator[None]:
    """Tests: the services started meanwhile trace to `factory(service)`'s provider (say, with the SDK's
    in-memory exporter) whatever their settings say."""
    global _factory_override
    previous, _factory_override = _factory_override, factory
    try:
        yield
    finally:
        _factory_override = previous


class Tracing:
    """One service's tracing; `enabled` is False (and nothing traced) without a provider."""

    def __init__(self, service: str, provider: TracerProvider | None) -> None:
        self.service = service
        self.provider = provider
        self.enabled = provider is not None
        self._tracer = provider.get_tracer("servicekit", attributes={"platform.service": service}) if provider else None

    @classmethod
    def for_service(cls, service: str, otlp_endpoint: str | None) -> Tracing:
        if _factory_override is not None:
            return cls(service, _factory_override(service))
        return cls(service, otlp_provider(service, otlp_endpoint) if otlp_endpoint else None)

    @property
    def tracer(self) -> trace.Tracer:
        assert self._tracer is not None, "tracing is off"
        return self._tracer

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()  # exports what is still buffered

    # -- instrumentation of the libraries -------------------------------------------------------------------

    def instrument_app(self, app: Any) -> None:
        """HTTP server spans for a FastAPI app (health and metrics left out)."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=self.provider, excluded_urls="/health/,/metrics", exclude_spans=["receive", "send"]
        )
        _instrument_db(self.provider)

    def instrument_client(self, client: Any) -> None:
        """Client spans, and the trace context in the request headers, for one httpx client a service calls
        others with (the gateway's proxy): the called service's request span continues the caller's trace. Per
        client, not process-wide: a client outside any request would start a trace of its own per call."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)

    # -- the outbox ------------------------------------------------------------------------------------------

    @staticmethod
    def current_traceparent() -> str | None:
        """The W3C traceparent of the current span, stored with an outbox row (None outside any span)."""
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier)
        return carrier.get(TRACEPARENT)

    def publishing(self, topic: str, traceparent: str | None) -> tuple[Span | None, bytes | None]:
        """A PRODUCER span for one outbox row, child of the context stored with it, and the traceparent header
        of the record to send (the span's own context). Rows stored without a context are sent without."""
        if traceparent is None:
            return None, None
        parent = _PROPAGATOR.extract({TRACEPARENT: traceparent})
        span = self.tracer.start_span(
            f"{topic} publish",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
        )
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        return span, carrier[TRACEPARENT].encode()

    @staticmethod
    def published(spans: Sequence[Span | None], error: BaseException | None = None) -> None:
        for span in spans:
            if span is None:
                continue
            if error is not None:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()

    # -- the consumer ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self, consumer: str, records: Sequence[Any]) -> Iterator[Span]:
        """The span of one fetched batch: a root, linked to the spans that published its records."""
        links = []
        for record in records[:64]:  # enough to find the producers; a span holds 128 links at most
            ctx = trace.get_current_span(_extract(record.headers)).get_span_context()
            if ctx.is_valid:
                links.append(Link(ctx))
        with self.tracer.start_as_current_span(
            f"{consumer} consume",
            context=Context(),
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(records)},
        ) as span:
            yield span

    @contextlib.contextmanager
    def handling(self, consumer: str, record: Any, message_type: str, correlation_id: str) -> Iterator[Span]:
        """The span of one handled message, child of the span that published it (the record's traceparent),
        linked to the batch's span; current while its handler runs, so what it writes to the outbox follows."""
        batch = trace.get_current_span().get_span_context()
        with self.tracer.start_as_current_span(
            f"{record.topic} process {message_type}",
            context=_extract(record.headers),
            kind=SpanKind.CONSUMER,
            links=[Link(batch)] if batch.is_valid else None,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.consumer.group.name": consumer,
                "messaging.message.type": message_type,
                "platform.correlation_id": correlation_id,
            },
        ) as span:
            yield span


def _extract(headers: Any) -> Context:
    for name, value in headers or ():
        if name == TRACEPARENT:
            return _PROPAGATOR.extract({TRACEPARENT: bytes(value).decode(errors="replace")})
    return Context()  # no parent: a root (not whatever span happens to be current)


_db_instrumented = False


def _instrument_db(provider: TracerProvider) -> None:
    """Client spans for asyncpg (every statement), process-wide, once: in production one process is one
    service, so the first provider is the process's."""
    global _db_instrumented
    if _db_instrumented:
        return
    _db_instrumented = True
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]

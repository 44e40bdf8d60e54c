"""The FastAPI application of a service: its routers under /api/v1, health, metrics, problem+json errors,
input no service accepts refused in one place (servicekit.inputs), an OpenAPI document listing each operation's
errors and roles (servicekit.openapi), and the runtime started and stopped with the app (uvicorn serves HTTP
and the Kafka subscribers together)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from servicekit import operations
from servicekit.clock import Clock
from servicekit.config import ServiceSettings
from servicekit.errors import install_error_handlers, problem
from servicekit.heap import settle_heap
from servicekit.http_observability import RequestObservation
from servicekit.inputs import RefuseNul
from servicekit.observability import configure_logging
from servicekit.openapi import document
from servicekit.runtime import Runtime, ServiceDefinition
from servicekit.runtime import RuntimeDep as RuntimeDep  # where the services import them from
from servicekit.runtime import RuntimeOf as RuntimeOf
from servicekit.sampling import sample

API_PREFIX = "/api/v1"
S = TypeVar("S", bound=ServiceSettings)


def create_service_app(definition: ServiceDefinition[S], settings: S, *, clock: Clock | None = None) -> FastAPI:
    runtime = Runtime(definition, settings, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        await runtime.start()
        settle_heap(settings.gc_threshold)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"{definition.name} service",
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(RefuseNul)
    app.add_middleware(RequestObservation, service=settings.service_name, prefix=API_PREFIX)
    runtime.tracing.instrument_app(app)  # outermost: the request's span is current in everything below
    routers = [*definition.routers, operations.router()]  # the audit trail and dead letters (servicekit.operations)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.openapi = lambda: document(app, routers, API_PREFIX)  # type: ignore[method-assign]

    @app.get("/health/live", tags=["health"])
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], response_model=None)
    async def ready() -> dict[str, str] | JSONResponse:
        checks = {"database": "ok", "kafka": "ok"}
        try:
            await runtime.db.ping()
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        if not await runtime.kafka_ready():
            checks["kafka"] = "unreachable"
        if runtime.rebalancing is not None and runtime.rebalancing.active:
            checks["consumer"] = "rebalancing"  # no partitions yet: a load balancer should send work elsewhere
        elif runtime.rebalancing is not None:
            checks["consumer"] = "ok"
        if any(v != "ok" for v in checks.values()):
            return problem(503, "Not ready", "a dependency is unreachable", code="not_ready", checks=checks)
        return {"status": "ready", **checks}

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics() -> Response:
        await sample(runtime)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app

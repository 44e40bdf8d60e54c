"""Errors as RFC 9457 problem details: 422 names each bad field and why, 409 carries a stable `code`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A business rule said no. `code` is stable: clients branch on it."""

    status = 409

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


class NotFoundError(DomainError):
    status = 404

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__("not_found", f"{entity} {ident} not found", entity=entity, id=str(ident))


class InputError(DomainError):
    """Input that is well-formed but invalid in a way only the handler can see (an unknown sku, say)."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("validation_failed", f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        return problem(
            422,
            "Unprocessable request",
            "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
            code="validation_failed",
            errors=errors,
        )

    @app.exception_handler(DomainError)
    async def on_domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code.replace("_", " ").capitalize(), exc.detail, code=exc.code, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        response = problem(
            exc.status_code, str(exc.detail), str(exc.detail), code=code.get(exc.status_code, "http_error")
        )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

"""The published OpenAPI document says what each operation really answers and who may call it.

Every operation lists its error responses as `application/problem+json` with one `Problem` schema: 422 always
(a schema violation, or a NUL refused by servicekit.inputs), 401 and 403 when it is authenticated, 404 when it
has path parameters or a body (which names other resources), 409 when it declares the business-rule codes it
can answer (`conflicts(...)` in the route's `responses`, which enumerates them). Its roles (`x-roles`, and a
line of its description) are read from the dependency the role check itself runs (`auth.require`), so the
document cannot drift from the check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from servicekit.auth import authenticate, declared_roles
from servicekit.errors import PROBLEM_JSON

CONFLICT_CODES = "x-conflict-codes"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable: clients branch on it"},
        "errors": {
            "type": "array",
            "description": "each bad field and why (422)",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


# What a list answers with `?format=csv|xlsx` (servicekit.tabular.export).
EXPORT_MEDIA = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def conflicts(*codes: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that can answer 409 with these codes (merge with others by `|`)."""
    return {409: {"description": "a business rule refused it", CONFLICT_CODES: sorted(codes)}}


def _problem(description: str, codes: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    if codes is not None:
        schema = {"allOf": [schema, {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}}]}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


def _walk(dependant: Dependant) -> tuple[tuple[str, ...] | None, bool]:
    """The roles the route's role check admits (None: no role check), and whether it authenticates."""
    roles: tuple[str, ...] | None = None
    authenticated = False
    for dep in dependant.dependencies:
        found = declared_roles(dep.call)
        if found is not None:
            roles = found if roles is None else tuple(sorted(set(roles) & set(found)))
        authenticated = authenticated or dep.call is authenticate
        inner_roles, inner_auth = _walk(dep)
        if inner_roles is not None:
            roles = inner_roles if roles is None else tuple(sorted(set(roles) & set(inner_roles)))
        authenticated = authenticated or inner_auth
    return roles, authenticated or roles is not None


def document(app: FastAPI, routers: Sequence[APIRouter], prefix: str) -> dict[str, Any]:
    """The app's document, each operation of `routers` (included under `prefix`) described as above."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        roles, authenticated = _walk(route.dependant)
        for method in route.methods or ():
            operation = schema["paths"][prefix + route.path_format].get(method.lower())
            if operation is not None:
                _describe(operation, route, roles, authenticated)
    _no_dangling_validation_errors(schema)
    app.openapi_schema = schema
    return schema


def _no_dangling_validation_errors(schema: dict[str, Any]) -> None:
    """Operations outside `routers` (an app's own extra routers) keep FastAPI's 422, whose schema was removed
    above: they answer problem+json like the others, so say so (a generator of client types fails otherwise)."""
    dangling = {"$ref": "#/components/schemas/HTTPValidationError"}
    for path in schema["paths"].values():
        for operation in path.values():
            answer = operation.get("responses", {}).get("422", {})
            if answer.get("content", {}).get("application/json", {}).get("schema") == dangling:
                operation["responses"]["422"] = _problem("invalid input: each bad field and why")


def _describe(operation: dict[str, Any], route: APIRoute, roles: tuple[str, ...] | None, authenticated: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses["422"] = _problem("invalid input: each bad field and why")
    if authenticated:
        responses["401"] = _problem("no valid bearer token")
        responses["403"] = _problem("the token's roles may not call this")
    if "{" in route.path_format or route.body_field is not None:  # what it names, or its body refers to
        responses["404"] = _problem("not found")
    declared = route.responses.get(409) or route.responses.get("409")
    if declared is not None:
        responses["409"] = _problem(declared.get("description", "conflict"), list(declared.get(CONFLICT_CODES, [])))
        responses["409"].pop(CONFLICT_CODES, None)
    if any(param.name == "format" for param in route.dependant.query_params):  # servicekit.tabular's exports
        ok = responses.setdefault("200", {"description": "Successful Response"}).setdefault("content", {})
        for media in EXPORT_MEDIA:
            ok[media] = {"schema": {"type": "string", "format": "binary"}}
    operation["x-roles"] = list(roles or ())
    who = f"Roles: {', '.join(roles)}." if roles else ("Any authenticated user." if authenticated else "Public.")
    operation["description"] = f"{operation.get('description', '').rstrip()}\n\n{who}".lstrip()

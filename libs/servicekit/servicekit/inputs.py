"""Input every service refuses or normalises the same way, before a handler or the database sees it.

- NUL (U+0000) in a path, a query or a JSON body: PostgreSQL cannot store it in text, so it would fail deep in a
  handler as a 500. `RefuseNul` answers 422 for the whole app, in one place.
- Integers in queries and paths: bounded to what a PostgreSQL bigint holds (`BoundedInt`, `Offset`, `RowId`).
- Optional free text: a blank string means absent (`OptionalText`), the same in every schema.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import BeforeValidator, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.errors import problem

INT64_MAX = 2**63 - 1

Offset = Annotated[int, Field(ge=0, le=INT64_MAX)]
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


# Optional text where "" (or only spaces) means absent: stored and published as null. Declare `x: OptionalText = None`.
OptionalText = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_blank_is_none)]
OptionalLongText = Annotated[Annotated[str, Field(max_length=2000)] | None, BeforeValidator(_blank_is_none)]


# An escaped NUL in JSON text: "\u0000" preceded by an even number of backslashes (an odd one escapes the "\").
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _nul_field(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            found = here if "\x00" in key else _nul_field(item, here)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_field(item, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def _nul_in_target(scope: Scope) -> str | None:
    """The path or query parameter holding a NUL, if any."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
        return "query"
    return None


def _nul_in_body(body: bytes) -> str | None:
    if b"\x00" not in body and not _ESCAPED_NUL.search(body):
        return None
    try:
        return _nul_field(json.loads(body), "") or "body"
    except ValueError:
        return "body"


class RefuseNul:
    """ASGI middleware: a request with a NUL in its path, query or body is answered 422, never passed on. A body
    is read whole only for the methods that carry one; the app reads it from here (it is read whole anyway)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = _nul_in_target(scope)
        if field is not None:
            await _refuse(field, scope, receive, send)
            return
        if scope["method"] not in _WITH_BODY or not _textual(scope):
            # Files (multipart uploads, octet streams) may hold NUL bytes and are streamed on: their readers
            # validate what they store.
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        field = _nul_in_body(body)
        if field is not None:
            await _refuse(field, scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _textual(scope: Scope) -> bool:
    """A JSON or form body, whose text fields are stored as they are."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = bytes(value).split(b";", 1)[0].strip().lower()
            return bool(kind.endswith(b"json") or kind == b"application/x-www-form-urlencoded")
    return True  # no declared type: read as JSON by the app


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed


async def _refuse(field: str, scope: Scope, receive: Receive, send: Send) -> None:
    reason = "must not contain the NUL character (U+0000)"
    response = problem(
        422,
        "Unprocessable request",
        f"{field}: {reason}",
        code="validation_failed",
        errors=[{"field": field, "reason": reason}],
    )
    await response(scope, receive, send)

"""`Idempotency-Key` for creating requests: the first request's response is stored in the transaction that
made its effect; a retry with the same key (same caller, same endpoint) gets that response back and changes
nothing. The same key with a different body is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.config import ServiceSettings
from servicekit.db import Database, KitTables
from servicekit.errors import DomainError
from servicekit.unit import Unit, unit_of

if TYPE_CHECKING:
    from servicekit.runtime import Runtime

Operation = Callable[[AsyncSession], Awaitable[tuple[int, Any]]]
S = TypeVar("S", bound=ServiceSettings)


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def run_idempotent(
    db: Database,
    tables: KitTables,
    *,
    key: str | None,
    principal: str,
    endpoint: str,
    body: Any,
    operation: Operation,
) -> tuple[int, Any]:
    """Run `operation` (returning status and JSON body) at most once per key. `body` (the request, fingerprinted
    to refuse a reused key) may be a pydantic model: it is only rendered when there is a key."""
    if not key:
        async with db.transaction() as session:
            return await operation(session)
    table = tables.idempotency_keys
    digest = fingerprint(body.model_dump(mode="json") if isinstance(body, BaseModel) else body)
    where = (table.c.key == key) & (table.c.principal == principal) & (table.c.endpoint == endpoint)
    async with db.transaction() as session:
        # A concurrent request with the same key waits here until the first one commits or rolls back.
        claimed = await session.execute(
            insert(table)
            .values(
                key=key,
                principal=principal,
                endpoint=endpoint,
                request_hash=digest,
                status_code=0,
                response={},
            )
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if claimed.first() is None:
            stored = (await session.execute(select(table).where(where))).one()
            if stored.request_hash != digest:
                raise DomainError(
                    "idempotency_key_reused", "this Idempotency-Key was used with a different request body"
                )
            return stored.status_code, stored.response
        status, response = await operation(session)
        await session.execute(update(table).where(where).values(status_code=status, response=response))
        return status, response


async def respond_idempotently(
    runtime: Runtime[Any],
    response: Response,
    *,
    key: str | None,
    principal: str,
    endpoint: str,
    body: BaseModel,
    operation: Operation,
) -> Any:
    """`run_idempotent` for an endpoint: sets the response status (the first request's) and returns its body."""
    status, payload = await run_idempotent(
        runtime.db,
        runtime.tables,
        key=key,
        principal=principal,
        endpoint=endpoint,
        body=body,
        operation=operation,
    )
    response.status_code = status
    return payload


async def create_once(
    runtime: Runtime[S],
    response: Response,
    *,
    key: str | None,
    principal: str,
    endpoint: str,
    body: BaseModel,
    work: Callable[[Unit[S]], Awaitable[Any]],
) -> Any:
    """A `POST` that creates in a unit of work (`principal` its actor), at most once per key: 201 and what
    `work(unit)` answers (JSON-able), the first answer again for a retry."""

    async def operation(session: AsyncSession) -> tuple[int, Any]:
        async with unit_of(session, runtime, principal) as unit:
            answer = await work(unit)
        return 201, answer

    return await respond_idempotently(
        runtime, response, key=key, principal=principal, endpoint=endpoint, body=body, operation=operation
    )


async def respond_json_idempotently(
    runtime: Runtime[Any],
    *,
    key: str | None,
    principal: str,
    endpoint: str,
    body: BaseModel,
    operation: Operation,
) -> JSONResponse:
    """`respond_idempotently` for an operation whose payload is already its response model's JSON (rendered from
    that model): sent as it is, without FastAPI validating and encoding it a second time."""
    status, payload = await run_idempotent(
        runtime.db, runtime.tables, key=key, principal=principal, endpoint=endpoint, body=body, operation=operation
    )
    return JSONResponse(payload, status_code=status)

"""Human-readable document numbers, unique per type: `SO-2026-000123`.

Each (type, year) draws from a PostgreSQL sequence of its own (`docno_so_2026`), created on first use.
`nextval` takes no row lock and needs no commit of its own, so allocating a number costs one round trip on a
small autocommit pool and never serialises the transactions that create documents (a counter row updated in
the caller's transaction would lock every other creator of that document type until it commits). A document
whose transaction rolls back leaves a gap; numbers stay unique and increasing.

A sequence starts after the `document_sequences` row of its (type, year) when there is one: that row is where
an imported numbering (or a test) says where to continue."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from servicekit.db import KitTables

PREFIXES = ("PR", "PO", "GRN", "SO", "DO", "INV", "BILL", "PAY", "EXC", "CN", "ST", "SPAY")

_NEXT = text("SELECT nextval(CAST(:name AS regclass))")
_START = text("SELECT last_value FROM document_sequences WHERE prefix = :prefix AND year = :year")


def sequence_name(prefix: str, year: int) -> str:
    return f"docno_{prefix.lower()}_{year}"


async def next_number(session: AsyncSession, tables: KitTables, prefix: str, at: datetime) -> str:
    """Allocate the next number for `prefix` in `at`'s year (outside the caller's transaction)."""
    del tables  # the sequences live beside the kit tables; kept for the callers' signature
    if prefix not in PREFIXES:
        raise ValueError(f"unknown document prefix {prefix}")
    allocator = session.info.get("allocator")  # set by servicekit.db.Database
    if allocator is None:
        raise RuntimeError("document numbers need a session from servicekit.db.Database (its allocator pool)")
    name = sequence_name(prefix, at.year)
    async with allocator.connect() as conn:
        value = await _nextval(conn, name, prefix, at.year)
    return f"{prefix}-{at.year}-{value:06d}"


async def _nextval(conn: AsyncConnection, name: str, prefix: str, year: int) -> int:
    for _ in range(3):
        try:
            return int((await conn.execute(_NEXT, {"name": name})).scalar_one())
        except sa_exc.DBAPIError as exc:
            if not _is(exc, asyncpg.UndefinedTableError):
                raise
        await _create(conn, name, prefix, year)
    raise RuntimeError(f"sequence {name} could not be created")


async def _create(conn: AsyncConnection, name: str, prefix: str, year: int) -> None:
    start = (await conn.execute(_START, {"prefix": prefix, "year": year})).scalar()
    try:
        # The name is built from a known prefix and an int, never from input.
        await conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start or 0) + 1}"))
    except sa_exc.DBAPIError as exc:  # created meanwhile by another process: fine
        if not _is(exc, asyncpg.UniqueViolationError):
            raise


def _is(exc: sa_exc.DBAPIError, kind: type[Exception]) -> bool:
    orig = exc.orig
    return isinstance(orig, kind) or isinstance(getattr(orig, "__cause__", None), kind)

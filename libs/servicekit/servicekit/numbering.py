"""Human-readable document numbers, unique per type: `SO-2026-000123`.

Each (type, year) draws from a PostgreSQL sequence of its own (`docno_so_2026`), created on first use (on a
small autocommit pool, so that a failed lookup never aborts the caller's transaction). `nextval` takes no lock
and is never rolled back, so it runs in the caller's transaction for one round trip, and never serialises the
transactions that create documents (a counter row updated in the caller's transaction would lock every other
creator of that document type until it commits). A document whose transaction rolls back leaves a gap;
numbers stay unique and increasing.

A sequence starts after the `document_sequences` row of its (type, year) when there is one: that row is where
an imported numbering (or a test) says where to continue.

For documents created inside a consumer batch (outbound orders), `take_number` hands out numbers drawn ahead,
a block of them per round trip, so the statement that writes the document need not draw its own (and can be
deferred): the numbers a process hands out increase, one process's block may interleave with another's
(replicas), and the rest of a block is lost when the process stops (a gap, as after a rollback)."""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from servicekit.db import KitTables
from servicekit.fastsql import Statement

PREFIXES = ("PR", "PO", "GRN", "SO", "DO", "INV", "BILL", "PAY", "EXC", "CN", "ST", "SPAY", "RMA")

_START = text("SELECT last_value FROM document_sequences WHERE prefix = :prefix AND year = :year")


def sequence_name(prefix: str, year: int) -> str:
    return f"docno_{prefix.lower()}_{year}"


async def next_number(session: AsyncSession, tables: KitTables, prefix: str, at: datetime) -> str:
    """Allocate the next number for `prefix` in `at`'s year (kept even if the caller's transaction rolls back)."""
    del tables  # the sequences live beside the kit tables; kept for the callers' signature
    name = await _ready(session, prefix, at)
    # nextval takes no lock and is not undone by a rollback: it can run in the caller's transaction.
    value = await _NEXT.fetchval(session, name=name)
    return f"{prefix}-{at.year}-{value:06d}"


# The next number as a SQL expression, for a statement that inserts the document itself (one round trip less):
# its parameters come from `number_params`; it renders exactly as `next_number` does.
NUMBER_SQL = (
    "(SELECT CAST(:doc_prefix AS text) || '-' || CAST(:doc_year AS text) || '-' || lpad(v::text, greatest(6,"
    " length(v::text)), '0') FROM nextval(CAST(:doc_sequence AS regclass)) AS v)"
)


async def number_params(session: AsyncSession, prefix: str, at: datetime) -> dict[str, Any]:
    """The parameters of `NUMBER_SQL` for `prefix` in `at`'s year (its sequence made sure to exist)."""
    return {"doc_prefix": prefix, "doc_year": str(at.year), "doc_sequence": await _ready(session, prefix, at)}


async def _ready(session: AsyncSession, prefix: str, at: datetime) -> str:
    """The sequence of `prefix` in `at`'s year, created if this process has not seen it yet."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown document prefix {prefix}")
    allocator = session.info.get("allocator")  # set by servicekit.db.Database
    if allocator is None:
        raise RuntimeError("document numbers need a session from servicekit.db.Database (its allocator pool)")
    name = sequence_name(prefix, at.year)
    known = _KNOWN.setdefault(allocator, set())
    if name not in known:  # first use in this process: make sure it exists, outside the caller's transaction
        async with allocator.connect() as conn:
            await _create(conn, name, prefix, at.year)
        known.add(name)
    return name


_KNOWN: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()  # seen to exist, per database


@dataclass
class _Drawn:
    values: deque[int] = field(default_factory=deque)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_DRAWN: weakref.WeakKeyDictionary[Any, dict[str, _Drawn]] = weakref.WeakKeyDictionary()  # per database, sequence
_BLOCK = Statement(text("SELECT nextval(CAST(:name AS regclass)) FROM generate_series(1, CAST(:n AS int))"))


async def take_number(session: AsyncSession, prefix: str, at: datetime, block: int = 16) -> str:
    """The next of the numbers this process drew ahead for `prefix` in `at`'s year; `block` more are drawn (one
    round trip) when none is left."""
    name = await _ready(session, prefix, at)
    drawn = _DRAWN.setdefault(session.info["allocator"], {}).setdefault(name, _Drawn())
    if not drawn.values:
        async with drawn.lock:
            if not drawn.values:  # else drawn while this one waited
                drawn.values.extend(sorted(r[0] for r in await _BLOCK.fetch(session, name=name, n=block)))
    return f"{prefix}-{at.year}-{drawn.values.popleft():06d}"


_NEXT = Statement(text("SELECT nextval(CAST(:name AS regclass))"))


async def _create(conn: AsyncConnection, name: str, prefix: str, year: int) -> None:
    """Create the sequence unless it exists (IF NOT EXISTS), starting after the seeded counter if any."""
    start = (await conn.execute(_START, {"prefix": prefix, "year": year})).scalar()
    try:
        # The name is built from a known prefix and an int, never from input.
        await conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start or 0) + 1}"))
    except sa_exc.DBAPIError as exc:  # created meanwhile by another connection: fine
        # Two concurrent CREATE SEQUENCE IF NOT EXISTS can still collide: on the name, or on its row type.
        if not (_is(exc, asyncpg.DuplicateTableError) or _is(exc, asyncpg.UniqueViolationError)):
            raise


def _is(exc: sa_exc.DBAPIError, kind: type[Exception]) -> bool:
    orig = exc.orig
    return isinstance(orig, kind) or isinstance(getattr(orig, "__cause__", None), kind)

"""Human-readable document numbers, unique per type: `SO-2026-000123`.

A number is allocated in its own short transaction on a small pool of its own, not in the caller's: the counter
row is then locked for a moment instead of for the whole business transaction, which would serialise every
transaction creating that kind of document (a batch of messages handled together, say). A document whose
transaction rolls back leaves a gap; numbers stay unique and increasing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables

PREFIXES = ("PR", "PO", "GRN", "SO", "DO", "INV", "BILL", "PAY", "EXC", "CN", "ST", "SPAY")


async def next_number(session: AsyncSession, tables: KitTables, prefix: str, at: datetime) -> str:
    """Allocate the next number for `prefix` in `at`'s year (committed at once, whatever the caller does)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown document prefix {prefix}")
    seq = tables.document_sequences
    stmt = (
        insert(seq)
        .values(prefix=prefix, year=at.year, last_value=1)
        .on_conflict_do_update(index_elements=[seq.c.prefix, seq.c.year], set_={"last_value": seq.c.last_value + 1})
        .returning(seq.c.last_value)
    )
    allocator = session.info.get("allocator")  # set by servicekit.db.Database
    if allocator is None:  # a session from elsewhere: allocate in its transaction
        value = (await session.execute(stmt)).scalar_one()
    else:
        async with allocator.begin() as conn:
            value = (await conn.execute(stmt)).scalar_one()
    return f"{prefix}-{at.year}-{value:06d}"

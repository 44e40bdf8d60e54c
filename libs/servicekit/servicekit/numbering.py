"""Human-readable document numbers, unique per type: `SO-2026-000123`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import KitTables

PREFIXES = ("PR", "PO", "GRN", "SO", "DO", "INV", "BILL", "PAY", "EXC", "CN", "ST", "SPAY")


async def next_number(session: AsyncSession, tables: KitTables, prefix: str, at: datetime) -> str:
    """Allocate the next number for `prefix` in `at`'s year, inside the caller's transaction."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown document prefix {prefix}")
    seq = tables.document_sequences
    stmt = (
        insert(seq)
        .values(prefix=prefix, year=at.year, last_value=1)
        .on_conflict_do_update(index_elements=[seq.c.prefix, seq.c.year], set_={"last_value": seq.c.last_value + 1})
        .returning(seq.c.last_value)
    )
    value = (await session.execute(stmt)).scalar_one()
    return f"{prefix}-{at.year}-{value:06d}"

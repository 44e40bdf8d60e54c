"""Helpers for a kind's `apply`: many rows in few statements. Outbox messages and audit entries are written in
chunks (one multi-row statement each), in the import's transaction like any handler's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert

from contracts import Envelope, Message
from servicekit.audit import _jsonable
from servicekit.tabular.kinds import ImportContext

T = TypeVar("T")
CHUNK = 5000


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def publish_all(ctx: ImportContext, messages: Iterable[Message]) -> None:
    """Every message into the outbox (correlated with the import job), a chunk per statement."""
    outbox = ctx.runtime.outbox
    batch: list[tuple[Message, Envelope]] = []
    for message in messages:
        batch.append((message, Envelope.wrap(message, producer=outbox.producer, correlation_id=f"import:{ctx.job_id}")))
        if len(batch) >= CHUNK:
            await outbox.write(ctx.session, batch)
            batch = []
    await outbox.write(ctx.session, batch)


async def audit_all(ctx: ImportContext, entity: str, changes: Iterable[tuple[str, Any, Any]]) -> None:
    """An audit entry per (entity id, before, after): 'imported' by the job's user, in chunks."""
    table = ctx.runtime.tables.audit_log
    rows: list[dict[str, Any]] = []
    for entity_id, before, after in changes:
        rows.append(
            {
                "actor": ctx.actor,
                "entity": entity,
                "entity_id": entity_id,
                "action": "created" if before is None else "updated",
                "before": _jsonable(before),
                "after": _jsonable(after),
                "correlation_id": f"import:{ctx.job_id}",
            }
        )
        if len(rows) >= CHUNK:
            await ctx.session.execute(insert(table), rows)
            rows = []
    if rows:
        await ctx.session.execute(insert(table), rows)


def plain(row: Any) -> dict[str, Any]:
    """A stored row as JSON-able values (for audit before/after)."""
    return {k: v if v is None or isinstance(v, str | int | bool | list) else str(v) for k, v in dict(row).items()}

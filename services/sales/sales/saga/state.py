"""The saga's state row: which step it waits on, until when, how many sends, and a log of its steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, literal, update
from sqlalchemy.dialects.postgresql import JSONB

from sales.db import sagas
from sales.store import Loaded
from sales.unit import Tx

# steps
APPROVAL = "approval"
RESERVE = "reserve"
BACKORDER = "backorder"
ADJUST = "adjust"
CREDIT = "credit"
DONE = "done"
COMPENSATE = "compensate"

# statuses; every non-terminal one except `paused` (a backorder waiting for stock) has a deadline
ACTIVE = "active"
PAUSED = "paused"
COMPENSATING = "compensating"
COMPLETED = "completed"
COMPENSATED = "compensated"
ABORTED = "aborted"
FAILED = "failed"
TERMINAL = frozenset({COMPLETED, COMPENSATED, ABORTED, FAILED})


def step_deadline(tx: Tx) -> Any:
    return tx.now + timedelta(seconds=tx.settings.saga_step_timeout_seconds)


Event = tuple[str, str, str | None]
"""One entry of the saga's step log: (step, what happened, detail)."""


def _log(tx: Tx, events: tuple[Event, ...]) -> Any:
    entries = []
    for step, event, detail in events:
        entry: dict[str, Any] = {"step": step, "event": event, "at": tx.now.isoformat()}
        if detail:
            entry["detail"] = detail
        entries.append(entry)
    return literal(entries, type_=JSONB)


async def start(tx: Tx, order_no: str, *events: Event, **values: Any) -> dict[str, Any]:
    """Insert the saga row of a new order (`step`, `status`, `deadline_at`, ... as `values`)."""
    row: dict[str, Any] = {
        "order_no": order_no,
        "revision": 1,
        "attempts": 0,
        "stock_requested": False,
        "credit_requested": False,
        "awaiting_release": False,
        "awaiting_void": False,
        "deadline_at": None,
        "finished_at": None,
        "started_at": tx.now,
        "updated_at": tx.now,
        **values,
    }
    await tx.session.execute(insert(sagas).values(**row, steps=_log(tx, events)))
    return row


async def save(tx: Tx, o: Loaded, *events: Event, **values: Any) -> None:
    """Update the saga row and append `events` to its step log, in a single UPDATE."""
    await tx.session.execute(
        update(sagas)
        .where(sagas.c.order_no == o.no)
        .values(updated_at=tx.now, steps=sagas.c.steps.op("||")(_log(tx, events)), **values)
    )
    o.saga.update(values)

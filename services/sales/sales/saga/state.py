"""The saga's state row: which step it waits on, until when, how many sends, and a log of its steps."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from sales.config import SalesUnit
from sales.store import Loaded
from servicekit.fastsql import Statement
from servicekit.observability import SAGA_STEP_SECONDS, SAGA_STEPS

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


def step_deadline(tx: SalesUnit) -> Any:
    return tx.now + timedelta(seconds=tx.settings.saga_step_timeout_seconds)


Event = tuple[str, str, str | None]
"""One entry of the saga's step log: (step, what happened, detail)."""


def _entries(tx: SalesUnit, events: tuple[Event, ...]) -> list[dict[str, Any]]:
    entries = []
    for step, event, detail in events:
        entry: dict[str, Any] = {"step": step, "event": event, "at": tx.now.isoformat()}
        if detail:
            entry["detail"] = detail
        entries.append(entry)
    return entries


_FIELDS = (
    "step",
    "status",
    "revision",
    "deadline_at",
    "attempts",
    "stock_requested",
    "credit_requested",
    "awaiting_release",
    "awaiting_void",
    "finished_at",
)
# Built once: every save writes the whole state (as changed in memory) and appends to the step log.
_SAVE = Statement(
    text(
        "UPDATE sagas SET "
        + ", ".join(f"{f} = :{f}" for f in _FIELDS)
        + ", updated_at = :updated_at, steps = steps || CAST(:log AS jsonb) WHERE order_no = :order_no"
    )
)


# A status change (orders + history, as in sales.store), the quantity reserved per order line (arrays of line
# numbers and quantities; empty when the step reserved nothing) and the saga's save in one statement: every step
# that moves the order on writes this one, so a consumer batch's saves go as one pipelined `executemany`
# (fastsql.deferring).
_SAVE_WITH_STATUS = Statement(
    text(
        "WITH changed AS (UPDATE orders SET status = :to_status, updated_at = :at WHERE order_no = :order_no), "
        "history AS (INSERT INTO order_status_history (order_no, from_status, to_status, reason, actor, at) "
        "VALUES (:order_no, :from_status, :to_status, :reason, :actor, :at)), "
        "reserved AS (UPDATE order_lines AS l SET reserved_qty = r.qty"
        " FROM unnest(CAST(:line_nos AS int[]), CAST(:qtys AS numeric[])) AS r(line_no, qty)"
        " WHERE l.order_no = :order_no AND l.line_no = r.line_no) "
        "UPDATE sagas SET "
        + ", ".join(f"{f} = :{f}" for f in _FIELDS)
        + ", updated_at = :at, steps = steps || CAST(:log AS jsonb) WHERE order_no = :order_no"
    )
)


def outcome_of(event: str) -> str:
    """A step log entry's event as a metric label: "replied: out of stock" -> "out_of_stock", "re-sent (attempt
    2)" -> "re-sent", "rejected: credit_limit" -> "rejected" (a bounded set: the events the code writes)."""
    text = event.split(" (", 1)[0]
    head, sep, tail = text.partition(": ")
    text = tail if sep and head == "replied" else head
    return text.strip().replace(" ", "_")[:40] or "unknown"


def _observe(tx: SalesUnit, events: tuple[Event, ...], since: Any) -> None:
    """Metrics of the steps recorded (sampled as the transaction writes them: a batch that falls back to one
    message at a time counts its steps again). The first event's duration is the time the saga spent since
    its last save, i.e. in the step this one ends."""
    for index, (step, event, _) in enumerate(events):
        outcome = outcome_of(event)
        SAGA_STEPS.labels(step, outcome).inc()
        if index == 0 and since is not None:
            SAGA_STEP_SECONDS.labels(step, outcome).observe(max(0.0, (tx.now - since).total_seconds()))


def initial(tx: SalesUnit, *events: Event, **values: Any) -> dict[str, Any]:
    """The saga row of a new order (`step`, `deadline_at`, ... as `values`; its step log as `steps`), written by
    the statement that places the order (sales.handlers.placing)."""
    _observe(tx, events, None)
    return {
        "revision": 1,
        "attempts": 0,
        "stock_requested": False,
        "credit_requested": False,
        "deadline_at": None,
        **values,
        "steps": _entries(tx, events),
    }


async def save(
    tx: SalesUnit,
    o: Loaded,
    *events: Event,
    transition: dict[str, Any] | None = None,
    reserved: dict[int, Decimal] | None = None,
    **values: Any,
) -> None:
    """Update the saga row and append `events` to its step log, in a single UPDATE. With `transition` (what
    `sales.store.status_change` returned), the order's status change is written by the same statement, and with
    it `reserved`, the quantity reserved per line number. Deferred in a consumer batch (fastsql.deferring)."""
    _observe(tx, events, o.saga.get("updated_at"))
    o.saga.update(values)
    o.saga["updated_at"] = tx.now
    params = {f: o.saga[f] for f in _FIELDS}
    log = json.dumps(_entries(tx, events))
    if transition is None:
        assert not reserved, "reserved quantities are saved with a status change"
        await _SAVE.defer(tx.session, **params, updated_at=tx.now, log=log, order_no=o.no)
    else:
        reserved = reserved or {}
        await _SAVE_WITH_STATUS.defer(
            tx.session, **params, **transition, log=log, line_nos=list(reserved), qtys=list(reserved.values())
        )

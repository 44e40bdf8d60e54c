"""Rows a consumer batch reads ahead for its handlers, handed to the first handler of a message about the same
key (an order, say) and to no later one.

A batch's preparation (`MessageHandlers.prepare_groups`) reads, in one statement, what several of its handlers
would each read on their own, and `put`s it per key. Before each handler, the consumer's `hand_over` (with the
key `prepare_groups` was given) gives the handler the
entries of its message's key, taking them off the batch's: a second message about the same key reads afresh
and sees what the first one changed. A message about no particular key (None) may change anything: everything
read ahead is dropped. The handler `take`s what it was handed, once; without a batch preparation (messages
handled one by one) nothing is handed and handlers read as usual."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

_AHEAD = "readahead_batch"  # {kind: {key: value}}
_HANDED = "readahead_handed"  # {kind: (key, value)}: what the running handler was handed
MISSING: Any = object()  # what `take` returns when nothing was handed


def put(session: AsyncSession, kind: str, values: dict[Any, Any]) -> None:
    session.info.setdefault(_AHEAD, {}).setdefault(kind, {}).update(values)


def hand_over(session: AsyncSession, key: Any) -> None:
    ahead: dict[str, dict[Any, Any]] | None = session.info.get(_AHEAD)
    handed: dict[str, Any] = {}
    if ahead:
        for kind, values in ahead.items():
            if key is None:
                values.clear()
            elif key in values:
                handed[kind] = (key, values.pop(key))
    session.info[_HANDED] = handed


def take(session: AsyncSession, kind: str, key: Any) -> Any:
    """What was read ahead of `kind` for `key` and handed to this handler (once), or `MISSING`."""
    handed: dict[str, Any] | None = session.info.get(_HANDED)
    if not handed or kind not in handed or handed[kind][0] != key:
        return MISSING
    return handed.pop(kind)[1]

"""The event rules that concern a message type, cached for a moment: every consumed event needs them, and they
change rarely. An edit through this process's API clears the cache at once; other replicas see it within
`TTL_SECONDS`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.db import rules

TTL_SECONDS = 2.0
_cache: dict[tuple[int, str], tuple[float, Sequence[Any]]] = {}


def invalidate() -> None:
    _cache.clear()


async def rules_for(session: AsyncSession, message_type: str) -> Sequence[Any]:
    """Enabled rules raised by or cleared by `message_type`."""
    key = (id(session.get_bind()), message_type)  # per database: tests run several notifiers in one process
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    found = (
        await session.execute(
            select(rules).where(
                rules.c.enabled, or_(rules.c.event_type == message_type, rules.c.clears_on.contains([message_type]))
            )
        )
    ).all()
    _cache[key] = (now, found)
    return found

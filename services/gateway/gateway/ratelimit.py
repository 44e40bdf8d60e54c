"""A per-key token bucket (the public tracking endpoint limits each client address). In memory, per replica:
an approximate limit is what it is for (stopping a scan of order numbers), not an exact quota."""

from __future__ import annotations

import time


class RateLimiter:
    MAX_KEYS = 100_000

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> tuple[bool, float]:
        """(allowed, seconds until the next request would be)."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if len(self._buckets) >= self.MAX_KEYS:
            self._buckets.clear()  # a flood of addresses: start afresh rather than grow without bound
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return True, 0.0
        self._buckets[key] = (tokens, now)
        return False, (1 - tokens) / self.rate

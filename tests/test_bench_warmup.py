"""The bench warms the broker with unmeasured floor rounds until the floor's rate stops rising (a broker just
started runs interpreted until the JVM compiles its hot paths), within a cap of rounds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from servicekit.testing import Infra
from tools.bench import __main__ as bench
from tools.bench import floor
from tools.bench.floor import FloorResult


def _rates(monkeypatch: pytest.MonkeyPatch, rates: list[float]) -> list[int]:
    """Floor rounds that return `rates` in turn; returns the order counts they were asked for."""
    asked: list[int] = []
    it: Iterator[float] = iter(rates)

    async def measure(bootstrap: str, urls: dict[str, str], orders: int, in_flight: int) -> FloorResult:
        asked.append(orders)
        rate = next(it)
        return FloorResult(orders, orders / rate, rate, 0.0, 0.0, 0.0)

    monkeypatch.setattr(floor, "measure", measure)
    return asked


INFRA = Infra("127.0.0.1:1", "postgresql://x@127.0.0.1:1/postgres")
URLS: dict[str, Any] = {}


async def test_rounds_go_on_while_the_floor_still_rises_by_5_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _rates(monkeypatch, [228, 285, 352, 355, 999])
    assert await bench.warm_broker(INFRA, URLS, 2000, 5) == [228, 285, 352, 355]
    assert asked == [2000] * 4


async def test_rounds_stop_at_the_cap_when_the_floor_keeps_rising(monkeypatch: pytest.MonkeyPatch) -> None:
    _rates(monkeypatch, [100, 200, 300, 400, 500, 600])
    assert await bench.warm_broker(INFRA, URLS, 300, 3) == [100, 200, 300]


async def test_a_falling_second_round_ends_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    _rates(monkeypatch, [402, 357, 999])
    assert await bench.warm_broker(INFRA, URLS, 2000, 5) == [402, 357]

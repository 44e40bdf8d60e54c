"""Replicas under rebalancing (tools/replicas.py, also `make replicas`): two replicas each of sales, inventory and
finance under steady load while a replica is added, one SIGKILLed and one stopped with SIGTERM; every saga
terminal, invariants valid, nothing dead-lettered, one relay per service, and the SIGTERMed replica's batch in
flight finished and its offsets committed before it exited."""

from __future__ import annotations

import pytest

from tools.replicas import run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(420)
async def test_replicas_added_killed_and_stopped_under_load_lose_and_double_nothing() -> None:
    lines: list[str] = []
    valid, text = await run(log=lines.append)
    assert any(line.startswith("replica stopped (SIGTERM)") for line in lines), lines
    assert valid, "\n".join([*lines, text])

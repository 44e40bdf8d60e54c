"""The shortened chaos run (the full one is `make chaos`): steady orders and shipments while inventory and sales
are SIGKILLed and restarted, finance's offsets are rewound (re-delivery), the Kafka broker is down for longer
than the producers' request timeout and PostgreSQL is restarted; then every acknowledged order must exist and
finish its saga, no message may be dead-lettered, and every invariant of the five databases must hold."""

from __future__ import annotations

import pytest

from tools.chaos import run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(600)
async def test_short_chaos_run_keeps_every_invariant() -> None:
    lines: list[str] = []
    valid, text = await run(short=True, log=lines.append)
    assert any("acknowledged" in line for line in lines)
    assert valid, "\n".join([*lines, text])

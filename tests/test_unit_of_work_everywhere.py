"""Every use case runs in the unit of work (servicekit.unit): a consumer's handler is `bound(settings, use_case)`
and an endpoint or a job opens `unit_of(...)`, so no service module takes servicekit's `HandlerContext` itself or
writes to the outbox past its unit (`outbox.add` / `outbox.write`: the unit writes what it published when it
ends). A use case that did would publish outside the unit's transaction order and correlation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / p.name / "config.py").exists())
BYPASS = re.compile(r"\bHandlerContext\b|\.outbox\.(add|write)\(|\boutbox\.(add|write)\(")


def _bypasses(service: str) -> list[str]:
    package = REPO / "services" / service / service
    return [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if BYPASS.search(line)
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_run_in_the_unit_of_work(service: str) -> None:
    found = _bypasses(service)
    assert found == [], "\n".join(found)

"""All five services start on the real broker and databases, answer ready, and publish their OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SERVICES, as_processes, in_process

from servicekit.testing import Infra

pytestmark = pytest.mark.integration


async def test_all_services_ready_in_process(infra: Infra) -> None:
    async with in_process(infra) as platform:
        for service in SERVICES:
            r = await platform[service].get("/health/ready")
            assert r.status_code == 200, (service, r.text)
            body = r.json()
            assert {k: body[k] for k in ("status", "database", "kafka")} == {
                "status": "ready",
                "database": "ok",
                "kafka": "ok",
            }
            assert set(body) <= {"status", "database", "kafka", "consumer"} and body.get("consumer", "ok") == "ok", body
            spec = (await platform[service].get("/openapi.json")).json()
            assert spec["info"]["title"] == f"{service} service"


async def test_all_services_ready_as_processes(infra: Infra, tmp_path: Path) -> None:
    async with as_processes(infra, tmp_path) as (platform, procs):
        for service in SERVICES:
            assert (await platform[service].get("/health/ready")).status_code == 200
            assert (await platform[service].get("/health/live")).status_code == 200
        assert len({p.port for p in procs.values()}) == len(SERVICES)

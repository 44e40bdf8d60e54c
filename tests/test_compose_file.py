"""docker-compose.yml describes the whole stack: broker, database, topics job, the services.

Checked statically (no Docker engine needed), so a broken compose file fails CI here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("purchasing", "sales", "inventory", "finance", "notifier", "analytics")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_infrastructure_is_declared(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "healthcheck" in services["kafka"]
    assert "healthcheck" in services["postgres"]
    init_mounts = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init_mounts, "postgres must mount the per-service init script"
    assert (ROOT / init_mounts[0].split(":")[0]).is_file()


def test_kafka_never_creates_topics_by_accident(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"
    assert "broker" in env["KAFKA_PROCESS_ROLES"] and "controller" in env["KAFKA_PROCESS_ROLES"]


def test_topics_job_runs_once_after_kafka(compose: dict[str, Any]) -> None:
    topics = compose["services"]["topics"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "contracts topics" in " ".join(topics["command"])
    assert (ROOT / "deploy/local/ensure_topics.py").is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_service_is_wired(compose: dict[str, Any], name: str) -> None:
    svc = compose["services"][name]
    upper = name.upper()

    assert svc["build"]["context"] == "."
    assert (ROOT / svc["build"]["dockerfile"]).is_file()
    assert svc["build"]["dockerfile"] == f"services/{name}/Dockerfile"

    env = svc["environment"]
    assert env[f"{upper}_DATABASE_URL"].startswith(f"postgresql+asyncpg://{name}:")
    assert env[f"{upper}_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
    assert env[f"{upper}_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert "JWT_SECRET" in env

    assert "/health/ready" in " ".join(svc["healthcheck"]["test"])
    depends = svc["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICES)
def test_dockerfile_runs_the_service_factory(name: str) -> None:
    dockerfile = (ROOT / "services" / name / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert f"--package {name}" in dockerfile
    assert f"{name}.main:create_app" in dockerfile


def test_every_dockerfile_copies_every_workspace_member_before_the_frozen_sync() -> None:
    """`uv sync --frozen` needs every member's pyproject.toml; a new member must be added to each Dockerfile."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    members = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    paths = sorted({p.parent.relative_to(root) for m in members for p in root.glob(f"{m}/pyproject.toml")})
    assert len(paths) >= 8
    for dockerfile in root.glob("services/*/Dockerfile"):
        text = dockerfile.read_text()
        missing = [str(p) for p in paths if f"COPY {p}/pyproject.toml {p}/" not in text]
        assert not missing, f"{dockerfile.relative_to(root)} does not copy {missing}"

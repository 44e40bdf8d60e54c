"""docker-compose.yml describes the whole stack: broker, database, topics job, the services.

Checked statically (no Docker engine needed), so a broken compose file fails CI here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("gateway", "purchasing", "sales", "inventory", "finance", "notifier", "analytics")


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
    assert svc["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert svc["build"]["args"]["SERVICE"] == name
    assert (ROOT / "services" / name / "alembic.ini").is_file(), "the image's working directory runs its migrations"

    env = svc["environment"]
    assert env[f"{upper}_DATABASE_URL"].startswith(f"postgresql+asyncpg://{name}:")
    assert env[f"{upper}_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
    assert env[f"{upper}_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert not [k for k in env if "JWT_SECRET" in k], "no shared token secret: RS256 through the gateway's JWKS"
    if name != "gateway":
        assert env[f"{upper}_JWT_JWKS_URL"] == "http://gateway:8000/.well-known/jwks.json"
        assert env[f"{upper}_JWT_AUDIENCE"] == compose["services"]["gateway"]["environment"]["GATEWAY_AUDIENCE"]
        assert env[f"{upper}_JWT_ISSUER"] == compose["services"]["gateway"]["environment"]["GATEWAY_ISSUER"]

    assert "/health/ready" in " ".join(svc["healthcheck"]["test"])
    depends = svc["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"


def test_the_gateway_is_the_front_door(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert "8000:8000" in gateway["ports"]
    env = gateway["environment"]
    for name in SERVICES[1:]:  # the proxy reaches every service over the compose network
        assert env[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:8000"
    # every service's database and login is created on first start
    init = (ROOT / "deploy/docker/postgres-init.sh").read_text(encoding="utf-8")
    assert all(name in init.split("for svc in ", 1)[1].split(";", 1)[0] for name in SERVICES)
    assert all(f"{name.upper()}_DB_PASSWORD" in compose["services"]["postgres"]["environment"] for name in SERVICES)


def test_one_dockerfile_builds_every_service() -> None:
    """One recipe with the service as a build argument, not a copy per service."""
    assert not list(ROOT.glob("services/*/Dockerfile")), "services share deploy/docker/Dockerfile"
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert 'uv sync --frozen --no-dev --package "$SERVICE"' in dockerfile
    assert "$SERVICE.main:create_app" in dockerfile
    assert "exec uvicorn" in dockerfile, "uvicorn must be PID 1 to get SIGTERM"
    # every workspace member's pyproject.toml reaches the frozen sync: copied by the members' globs
    assert '["tool"]["uv"]["workspace"]["members"]' in dockerfile

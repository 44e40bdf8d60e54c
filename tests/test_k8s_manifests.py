"""deploy/k8s, checked statically beyond the schemas (`make k8s-check` validates those): every service has its
autoscaler, disruption budget and probes; the lag autoscalers stay within the partitions of what they consume;
tokens are verified through the gateway's JWKS with no shared secret; every setting a pod reads exists."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.registry import topic_named
from tools import k8s_keda_check, k8s_manifests
from tools.stack import topics_of

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
SERVICES = tuple(spec.name for spec in k8s_manifests.SPECS)
CONSUMERS = tuple(spec.name for spec in k8s_manifests.SPECS if spec.consumer)


def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]


def _of(service: str, kind: str) -> list[dict[str, Any]]:
    return [d for d in _docs(f"{service}.yaml") if d["kind"] == kind]


def _container(service: str) -> dict[str, Any]:
    [deployment] = _of(service, "Deployment")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _env(service: str) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in _container(service)["env"]}


def test_the_manifests_are_what_the_generator_writes() -> None:
    for spec in k8s_manifests.SPECS:
        assert (K8S / f"{spec.name}.yaml").read_text(encoding="utf-8") == k8s_manifests.render(spec), spec.name


def test_kustomization_lists_every_manifest() -> None:
    [kustomization] = _docs("kustomization.yaml")
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert {f"{s}.yaml" for s in SERVICES} <= files
    assert "gateway" in SERVICES and "analytics" in SERVICES


def test_the_scaled_objects_pass_our_keda_schema_check() -> None:
    paths = sorted(K8S.glob("*.yaml"))
    assert k8s_keda_check.problems([p for p in paths if p.name != "kustomization.yaml"]) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda so: so["spec"].update(maxReplicas=6), "Additional properties"),
        (lambda so: so["spec"]["triggers"][0]["metadata"].pop("consumerGroup"), "is not valid"),
        (lambda so: so["spec"]["triggers"][0]["metadata"].update(lagThreshold="lots"), "does not match"),
        (lambda so: so["spec"]["triggers"][0]["metadata"].update(topics="sales.orders"), "Additional properties"),
        (lambda so: so["spec"]["triggers"][1].pop("metricType"), "'metricType' is a required property"),
        (
            lambda so: so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"].update(
                stabilizationWindowSeconds=7200
            ),
            "is greater than the maximum",
        ),
        (lambda so: so.update(kind="ScaledJob"), "no schema checks"),
    ],
)
def test_the_keda_check_refuses_a_broken_scaled_object(change: Any, complaint: str, tmp_path: Path) -> None:
    [scaled] = _of("sales", "ScaledObject")
    broken = copy.deepcopy(scaled)
    change(broken)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    found = k8s_keda_check.problems([path])
    assert found and any(complaint in line for line in found), found


@pytest.mark.parametrize("service", CONSUMERS)
def test_each_consumer_group_scales_on_its_lag_within_its_partitions(service: str) -> None:
    [scaled] = _of(service, "ScaledObject")
    assert not _of(service, "HorizontalPodAutoscaler"), "KEDA owns the HPA of a ScaledObject's target: not two"
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    partitions = min(topic_named(t).partitions for t in topics_of(service))
    assert 2 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= partitions
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 120
    [kafka] = [t for t in spec["triggers"] if t["type"] == "kafka"]
    meta = kafka["metadata"]
    # The group a replica joins: <P>_CONSUMER_GROUP is not set, so the service's name (ServiceSettings.group_id).
    assert f"{service.upper()}_CONSUMER_GROUP" not in _env(service)
    assert meta["consumerGroup"] == service
    assert meta["bootstrapServersFromEnv"] in _env(service)
    assert meta["allowIdleConsumers"] == "false"
    assert int(meta["lagThreshold"]) > 0
    assert any(t["type"] == "cpu" for t in spec["triggers"]), "the HTTP load scales it too"


def test_the_gateway_scales_on_cpu_with_a_plain_hpa() -> None:
    assert not _of("gateway", "ScaledObject")  # no consumer group: every replica reads every partition
    [hpa] = _of("gateway", "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 120
    [ingress] = _of("gateway", "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"  # SSE


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_has_probes_resources_and_a_disruption_budget(service: str) -> None:
    [deployment] = _of(service, "Deployment")
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    pod = deployment["spec"]["template"]
    [pdb] = _of(service, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert pdb["spec"]["maxUnavailable"] == 1
    container = _container(service)
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys() and "memory" in resources["limits"]
    # uvicorn's graceful shutdown (20 s, deploy/docker/Dockerfile) fits in the pod's grace period
    assert pod["spec"]["terminationGracePeriodSeconds"] > 20
    [svc] = _of(service, "Service")
    assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "gateway"])
def test_services_verify_tokens_through_the_gateways_jwks_without_a_secret(service: str) -> None:
    env = _env(service)
    p = service.upper()
    for name in ("JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert env[f"{p}_{name}"]["valueFrom"]["configMapKeyRef"]["key"] == name
    [config] = _docs("configmap.yaml")
    assert config["data"]["JWT_JWKS_URL"].startswith("http://gateway.")
    assert config["data"]["JWT_JWKS_URL"].endswith("/.well-known/jwks.json")
    gateway = _env("gateway")
    assert gateway["GATEWAY_ISSUER"]["valueFrom"]["configMapKeyRef"]["key"] == "JWT_ISSUER"
    assert gateway["GATEWAY_AUDIENCE"]["valueFrom"]["configMapKeyRef"]["key"] == "JWT_AUDIENCE"


def test_no_shared_token_secret_anywhere() -> None:
    for path in K8S.glob("*.yaml"):
        assert "JWT_SECRET" not in path.read_text(encoding="utf-8"), path.name


def test_every_setting_a_pod_reads_exists() -> None:
    [config] = _docs("configmap.yaml")
    secrets = {d["metadata"]["name"]: d["stringData"] for d in _docs("secrets.yaml")}
    containers = [_container(s) for s in SERVICES]
    [job] = _docs("topics-job.yaml")
    containers += job["spec"]["template"]["spec"]["containers"]
    for container in containers:
        for env in container.get("env", []):
            source = env.get("valueFrom", {})
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                assert ref.get("optional") or ref["key"] in config["data"], (container["name"], ref)
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                assert ref.get("optional") or ref["key"] in secrets.get(ref["name"], {}), (container["name"], ref)


def test_the_topics_job_applies_the_contracts_retention() -> None:
    [job] = _docs("topics-job.yaml")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert "python -m contracts topics | python deploy/local/ensure_topics.py" in " ".join(container["args"])
    # what it applies: docs/analytics.md's table
    assert dict(topic_named("sales.orders").config)["retention.ms"] == "-1"
    assert dict(topic_named("inventory.commands").config)["retention.ms"] == str(7 * 24 * 3600 * 1000)


def test_the_dashboard_is_importable_grafana_json() -> None:
    """deploy/grafana/order-tracking.json: its expressions' metrics are checked against a real scrape in
    tests/test_tracing_e2e.py; here its shape (what Grafana's import needs)."""
    dashboard = json.loads((ROOT / "deploy/grafana/order-tracking.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"datasource", "service", "consumer"} <= variables
    for panel in panels:
        assert {"h", "w", "x", "y"} <= panel["gridPos"].keys() and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"] and all(t["expr"] and t["refId"] for t in panel["targets"])


def test_every_alert_has_a_playbook_section_in_the_operations_guide() -> None:
    guide = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", guide, re.M)}
    alerts = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8"))
    for rule in (r for g in alerts["groups"] for r in g["rules"]):
        runbook = rule["annotations"]["runbook"]
        assert runbook.startswith("docs/operations.md#"), rule["alert"]
        assert runbook.split("#", 1)[1] in anchors, (rule["alert"], runbook)
        assert rule["alert"] in guide, f"{rule['alert']} is not in the guide's table of alerts"

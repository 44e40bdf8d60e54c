"""deploy/k8s/<service>.yaml, generated from one description per service, so that the seven manifests cannot drift
apart: a Deployment (probes, resources, JWKS verification through the gateway, tracing when OTLP_ENDPOINT is set),
its Service, a PodDisruptionBudget and its autoscaler: a KEDA ScaledObject on the consumer group's Kafka lag (and
CPU, for the HTTP load) for the six services with a consumer group; a HorizontalPodAutoscaler on CPU for the
gateway, which has none (each replica reads every partition for its own live-event clients). Why each figure is
what it is: docs/operations.md ("Scaling a service").

    .venv/bin/python -m tools.k8s_manifests           write them
    .venv/bin/python -m tools.k8s_manifests --check   fail when a committed manifest differs (make k8s-check)"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "deploy" / "k8s"
NAMESPACE = "order-tracking"
PART_OF = {"app.kubernetes.io/part-of": NAMESPACE}
# Every topic a consumer group reads has this many partitions (contracts/contracts/registry.py): more replicas
# than that would sit idle, so no autoscaler goes above it (tests/test_k8s_manifests.py checks both figures).
PARTITIONS = 6
VERSION = "0.1.0"


@dataclass(frozen=True)
class Spec:
    name: str
    doc: str
    # Requests from the bench's measured figures (docs/operations.md, "Resources"): CPU for 30 orders/s per replica
    # plus 50m for polls, the relay and periodic jobs; memory ≈ 1.3× the peak RSS measured (140-150 MiB), the limit
    # leaves room for an import's or an export's buffers.
    cpu: str = "100m"
    memory: str = "192Mi"
    memory_limit: str = "512Mi"
    consumer: bool = True
    lag_threshold: int = 200  # records of lag per replica before KEDA adds one
    min_replicas: int = 2
    max_replicas: int = PARTITIONS
    env: list[dict[str, Any]] = field(default_factory=list)


def _config(name: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": "platform-config", "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"configMapKeyRef": ref}}


def _secret(name: str, secret: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


UPSTREAMS = ("purchasing", "sales", "inventory", "finance", "notifier", "analytics")

SPECS = (
    Spec(
        "gateway",
        "The gateway: sign-in, RS256 tokens and their JWKS, the proxy to the services' APIs, live events (SSE).\n"
        "Behind the Ingress below; the services fetch its JWKS in the cluster (JWT_JWKS_URL).",
        cpu="200m",
        consumer=False,
        max_replicas=10,
        env=[
            _config("GATEWAY_ISSUER", "JWT_ISSUER"),
            _config("GATEWAY_AUDIENCE", "JWT_AUDIENCE"),
            *[
                {"name": f"GATEWAY_{u.upper()}_URL", "value": f"http://{u}.{NAMESPACE}.svc"}
                for u in UPSTREAMS  # in-cluster, each through its Service (port 80)
            ],
            # Created with this password on the first start of an empty database; then change it (docs/security.md).
            _secret("GATEWAY_BOOTSTRAP_ADMIN_PASSWORD", "gateway-admin", "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD", True),
            # A configured signing key instead of the one generated and kept in the database (optional).
            _secret("GATEWAY_SIGNING_KEY_PEM", "gateway-signing-key", "GATEWAY_SIGNING_KEY_PEM", True),
            # uvicorn trusts X-Forwarded-For/-Proto (client address for the tracking rate limit, Secure cookies) from
            # these addresses: the ingress controller's. The Service is ClusterIP, reached only through it.
            _config("FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"),
        ],
    ),
    Spec(
        "purchasing",
        "Purchasing: requisitions, purchase orders and their approvals, suppliers.",
        env=[_config("PURCHASING_DEFAULT_WAREHOUSE", "PURCHASING_DEFAULT_WAREHOUSE")],
    ),
    Spec(
        "sales", "Sales: customers, orders and the order saga (its deadlines run on one replica at a time).", cpu="250m"
    ),
    Spec("inventory", "Inventory: products, stock, reservations, outbound orders and receipts.", cpu="150m"),
    Spec("finance", "Finance: credit checks, receivables, payables, the journal.", cpu="150m"),
    Spec("notifier", "The notifier: alert rules over every business event, cases, e-mail."),
    Spec(
        "analytics",
        "Analytics: reports from the event stream (a read model; rebuild: docs/analytics.md).",
        cpu="150m",
        memory="256Mi",  # not in the saga bench: the notifier's figures (it reads as many topics) + a third
        memory_limit="768Mi",
        env=[_config("ANALYTICS_COMPANY_TIMEZONE", "ANALYTICS_COMPANY_TIMEZONE")],
    ),
)


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, **PART_OF}


def _meta(name: str) -> dict[str, Any]:
    return {"name": name, "namespace": NAMESPACE, "labels": _labels(name)}


def _env(spec: Spec) -> list[dict[str, Any]]:
    p = spec.name.upper()
    env = [
        _config(f"{p}_KAFKA_BOOTSTRAP", "KAFKA_BOOTSTRAP"),
        _secret(f"{p}_DATABASE_URL", f"{spec.name}-db", f"{p}_DATABASE_URL"),
        # Traces go to the collector when the ConfigMap sets OTLP_ENDPOINT; off without it.
        _config(f"{p}_OTLP_ENDPOINT", "OTLP_ENDPOINT", optional=True),
    ]
    if spec.name != "gateway":  # RS256 through the gateway's JWKS; no shared secret anywhere
        env += [
            _config(f"{p}_JWT_JWKS_URL", "JWT_JWKS_URL"),
            _config(f"{p}_JWT_ISSUER", "JWT_ISSUER"),
            _config(f"{p}_JWT_AUDIENCE", "JWT_AUDIENCE"),
        ]
    return env + spec.env


def deployment(spec: Spec) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/health/live", "port": "http"}}
    container = {
        "name": spec.name,
        "image": f"{NAMESPACE}/{spec.name}:{VERSION}",
        "ports": [{"name": "http", "containerPort": 8000}],
        "env": _env(spec),
        # Migrations run at startup (one replica at a time): allowed for before liveness counts.
        "startupProbe": {**probe, "periodSeconds": 5, "failureThreshold": 36},
        "livenessProbe": {**probe, "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3},
        # 503 while the database is unreachable or this replica's consumer group is rebalancing.
        "readinessProbe": {
            "httpGet": {"path": "/health/ready", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "resources": {"requests": {"cpu": spec.cpu, "memory": spec.memory}, "limits": {"memory": spec.memory_limit}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(spec.name),
        # No `replicas`: the autoscaler below owns the count (an apply would otherwise reset it).
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": spec.name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": _labels(spec.name),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": "8000",
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    # SIGTERM: uvicorn stops taking requests, the consumer finishes its batch in flight and commits
                    # its offsets, the relay releases its lock (--timeout-graceful-shutdown 20); then SIGKILL.
                    "terminationGracePeriodSeconds": 45,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [container],
                },
            },
        },
    }


def service(spec: Spec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(spec.name),
        "spec": {
            "selector": {"app.kubernetes.io/name": spec.name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def disruption_budget(spec: Spec) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(spec.name),
        # A node drain takes one replica at a time: the consumer group rebalances once per pod, never to nothing.
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": spec.name}}},
    }


def _behavior() -> dict[str, Any]:
    return {
        # Scale down slowly (each removal is a rebalance), up at once (lag is work waiting).
        "scaleDown": {
            "stabilizationWindowSeconds": 300,
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
        },
        "scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]},
    }


def scaled_object(spec: Spec) -> dict[str, Any]:
    p = spec.name.upper()
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(spec.name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicaCount": spec.min_replicas,
            "maxReplicaCount": spec.max_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "advanced": {"horizontalPodAutoscalerConfig": {"behavior": _behavior()}},
            "triggers": [
                {
                    "type": "kafka",
                    "name": "consumer-lag",
                    "metadata": {
                        "bootstrapServersFromEnv": f"{p}_KAFKA_BOOTSTRAP",  # the container's own setting
                        "consumerGroup": spec.name,  # <P>_CONSUMER_GROUP's default: the service's name
                        "lagThreshold": str(spec.lag_threshold),
                        "allowIdleConsumers": "false",  # never above the partitions with lag
                        "limitToPartitionsWithLag": "true",
                        "offsetResetPolicy": "earliest",
                    },
                },
                # HTTP load: the services' APIs are CPU-bound.
                {"type": "cpu", "name": "http-cpu", "metricType": "Utilization", "metadata": {"value": "70"}},
            ],
        },
    }


def horizontal_autoscaler(spec: Spec) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(spec.name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicas": spec.min_replicas,
            "maxReplicas": spec.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
            "behavior": _behavior(),
        },
    }


def ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            **_meta("gateway"),
            # ingress-nginx: live events (SSE) must not be buffered, and stay open past the default 60 s; a browser
            # stays on one replica (live-event ids, and the ring it resumes from, are per replica: docs/gateway.md).
            "annotations": {
                "nginx.ingress.kubernetes.io/affinity": "cookie",
                "nginx.ingress.kubernetes.io/session-cookie-name": "ot_replica",
                "nginx.ingress.kubernetes.io/proxy-buffering": "off",
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
                "nginx.ingress.kubernetes.io/proxy-body-size": "32m",
            },
        },
        "spec": {
            "tls": [{"hosts": ["orders.example.com"], "secretName": "gateway-tls"}],
            "rules": [
                {
                    "host": "orders.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "gateway", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def documents(spec: Spec) -> list[dict[str, Any]]:
    docs = [deployment(spec), service(spec), disruption_budget(spec)]
    docs.append(scaled_object(spec) if spec.consumer else horizontal_autoscaler(spec))
    if spec.name == "gateway":
        docs.append(ingress())
    return docs


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # a shared dict is written out each time, never as &id001
        return True


def render(spec: Spec) -> str:
    header = "".join(f"# {line}\n" for line in spec.doc.splitlines())
    header += "# Generated by tools/k8s_manifests.py (edit it, then: .venv/bin/python -m tools.k8s_manifests).\n"
    body = "---\n".join(yaml.dump(d, Dumper=_Dumper, sort_keys=False, width=120) for d in documents(spec))
    return header + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when a committed manifest differs")
    args = parser.parse_args()
    stale = []
    for spec in SPECS:
        path = K8S / f"{spec.name}.yaml"
        text = render(spec)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(REPO)))
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.exit("out of date (run .venv/bin/python -m tools.k8s_manifests): " + ", ".join(stale))


if __name__ == "__main__":
    main()

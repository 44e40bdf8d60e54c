"""The part of `make k8s-check` that kubernetes-validate cannot do: it knows no custom resources (a KEDA
ScaledObject only gets a warning there). Every document of deploy/k8s with a KEDA apiVersion is validated against
deploy/k8s/schemas/keda-scaledobject.schema.json (strict: unknown fields rejected), and any document of an API
group that neither that tool nor this one checks fails, rather than passing unchecked.

    .venv/bin/python -m tools.k8s_keda_check [FILE ...]     (default: deploy/k8s/*.yaml but kustomization.yaml)"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "deploy" / "k8s" / "schemas" / "keda-scaledobject.schema.json"
# Built-in APIs: validated by kubernetes-validate against the Kubernetes schemas.
BUILT_IN = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}


def documents(paths: list[Path]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                yield path, doc


def problems(paths: list[Path]) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    found = []
    for path, doc in documents(paths):
        api, kind = doc.get("apiVersion"), doc.get("kind")
        shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        where = f"{shown}: {kind} {doc.get('metadata', {}).get('name')}"
        if api in BUILT_IN:
            continue
        if (api, kind) != ("keda.sh/v1alpha1", "ScaledObject"):
            found.append(f"{where}: no schema checks {api} {kind}")
            continue
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            found.append(f"{where}: {'.'.join(map(str, error.absolute_path)) or '(document)'}: {error.message}")
    return found


def main() -> None:
    paths = [Path(a).resolve() for a in sys.argv[1:]] or sorted(
        p for p in (REPO / "deploy" / "k8s").glob("*.yaml") if p.name != "kustomization.yaml"
    )
    found = problems(paths)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Requests drawn from a service's OpenAPI document (Hypothesis + hypothesis-jsonschema), and the checks that a
response is what the document says it is (status documented; body valid against its schema)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import hypothesis.strategies as st
import jsonschema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis_jsonschema import from_schema

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield Operation(method, path, spec)


def deref(node: Any, doc: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with its `$ref`s inlined (a recursive one becomes `{}`)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return {}
            target = doc
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            inlined = deref(target, doc, (*seen, ref))
            return {"allOf": [inlined, deref(rest, doc, seen)]} if rest else inlined
        return {k: deref(v, doc, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, doc, seen) for v in node]
    return node


_TEXT = st.text(min_size=1, max_size=12)
_SCALAR = st.one_of(_TEXT, st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(["", "0", "-1"]))


def _parameter(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A parameter's value: mostly valid for its schema, sometimes anything (a string or a huge integer)."""
    try:
        valid = from_schema(schema)
    except Exception:  # a schema hypothesis-jsonschema cannot draw from
        return _SCALAR
    return st.one_of(valid, valid, _SCALAR)


def request_strategy(op: Operation, doc: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    params = [deref(p, doc) for p in op.spec.get("parameters", [])]
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for p in params:
        if p["in"] in {"path", "query"}:
            value = _parameter(p.get("schema", {}))
            parts[f"{p['in']}:{p['name']}"] = value if p.get("required") else st.one_of(st.none(), value)
    body = op.spec.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        schema = deref(body["schema"], doc)
        try:
            parts["body"] = st.one_of(from_schema(schema), from_schema(schema), st.dictionaries(_TEXT, _SCALAR))
        except Exception:
            parts["body"] = st.dictionaries(_TEXT, _SCALAR)
    return st.fixed_dictionaries(parts)


def draw(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    """`n` examples, the same ones every run (derandomized; no example database)."""
    found: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    collect()
    return found


def http_request(op: Operation, example: dict[str, Any]) -> tuple[str, str, dict[str, str], Any]:
    path, query = op.path, {}
    for key, value in example.items():
        if key.startswith("path:"):
            path = path.replace("{" + key[5:] + "}", quote(str(value), safe="") or "x")
        elif key.startswith("query:") and value is not None:
            query[key[6:]] = json.dumps(value) if isinstance(value, bool | dict | list) else str(value)
    return op.method.upper(), path, query, example.get("body")


def conformance(op: Operation, doc: dict[str, Any], status: int, content_type: str, body: bytes) -> str | None:
    """Why the response does not conform to the document (None when it does)."""
    responses = op.spec.get("responses", {})
    documented = responses.get(str(status))
    if documented is None:
        return f"status {status} is not documented (documented: {sorted(responses)})"
    media = content_type.split(";")[0].strip()
    content = documented.get("content")
    if not content or not body:
        return None
    if media not in content:
        return f"{status} answered {media}, documented {sorted(content)}"
    schema = content[media].get("schema")
    if not schema:
        return None
    if schema.get("format") == "binary":  # a file (an export): its media type is what is documented
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return f"{status} body is not JSON"
    try:
        jsonschema.validate(value, deref(copy.deepcopy(schema), doc))
    except jsonschema.ValidationError as exc:
        return f"{status} body does not match its schema: {exc.message} at {list(exc.absolute_path)}"
    return None

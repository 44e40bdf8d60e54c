"""The published artefacts: JSON Schema files and the AsyncAPI document, committed and up to date."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import TOPICS, Envelope
from contracts.__main__ import main
from contracts.asyncapi import asyncapi_document, message_id
from contracts.examples import EXAMPLES, example_envelope
from contracts.generate import GENERATED_DIR, render, stale_files, write
from contracts.sales import OrderPlaced
from contracts.schemas import schema_file_name

from .schema_check import resolve, validate

MODELS = [model for topic in TOPICS for model in topic.messages]


@functools.cache
def _load_asyncapi() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loaded: dict[str, Any] = yaml.load((GENERATED_DIR / "asyncapi.yaml").read_text(encoding="utf-8"), loader)
    return loaded


def test_committed_generated_files_are_not_stale() -> None:
    assert stale_files() == [], "run `python -m contracts generate` and commit contracts/generated"


def test_generation_is_deterministic() -> None:
    assert render() == render()


def test_check_lists_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path)
    assert main(["check", "--out", str(tmp_path)]) == 0
    (tmp_path / "asyncapi.yaml").write_text("asyncapi: 3.0.0\n", encoding="utf-8")
    (tmp_path / "schemas" / schema_file_name(OrderPlaced)).unlink()
    (tmp_path / "schemas" / "Retired.v1.json").write_text("{}", encoding="utf-8")
    assert stale_files(tmp_path) == [
        "asyncapi.yaml",
        "schemas/OrderPlaced.v1.json",
        "schemas/Retired.v1.json",
    ]
    capsys.readouterr()
    assert main(["check", "--out", str(tmp_path)]) == 1
    assert "OrderPlaced.v1.json" in capsys.readouterr().err
    assert main(["generate", "--out", str(tmp_path)]) == 0
    assert stale_files(tmp_path) == []


def test_there_is_one_schema_file_per_message_type() -> None:
    names = {path.name for path in (GENERATED_DIR / "schemas").iterdir()}
    assert names == {schema_file_name(model) for model in MODELS}


def test_asyncapi_yaml_is_the_document() -> None:
    assert _load_asyncapi() == json.loads(json.dumps(asyncapi_document()))


def test_asyncapi_lists_every_topic_and_message() -> None:
    document = _load_asyncapi()
    assert document["asyncapi"].startswith("3.")
    assert document["servers"]["kafka"]["protocol"] == "kafka"
    channels = document["channels"]
    assert {channel["address"] for channel in channels.values()} == {topic.name for topic in TOPICS}
    for topic in TOPICS:
        channel = channels[topic.name]
        assert channel["bindings"]["kafka"]["partitions"] == topic.partitions
        assert topic.key in channel["description"]
        if topic.messages:
            assert set(channel["messages"]) == {message_id(model) for model in topic.messages}
        assert document["operations"][f"{topic.name}.send"]["action"] == "send"
    listed = set(document["components"]["messages"])
    assert {message_id(model) for model in MODELS} | {"DeadLetter"} == listed


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_resolves() -> None:
    document = _load_asyncapi()
    for ref in _refs(document):
        assert resolve(document, ref) is not None, ref
    for path in (GENERATED_DIR / "schemas").iterdir():
        schema = json.loads(path.read_text(encoding="utf-8"))
        for ref in _refs(schema):
            assert resolve(schema, ref) is not None, f"{path.name}: {ref}"


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_published_schemas_accept_what_producers_send(message: Any) -> None:
    model = type(message)
    wire = json.loads(Envelope.wrap(message, producer="test").model_dump_json())
    schema = json.loads((GENERATED_DIR / "schemas" / schema_file_name(model)).read_text(encoding="utf-8"))
    assert validate(schema, wire, schema) == []
    assert schema["examples"] == [example_envelope(model).model_dump(mode="json")]
    document = _load_asyncapi()
    envelope_schema = document["components"]["schemas"][message_id(model)]
    assert validate(envelope_schema, wire, document) == []


def test_published_schemas_refuse_floats_and_exponents() -> None:
    wire = json.loads(Envelope.wrap(EXAMPLES[1], producer="test").model_dump_json())
    schema = json.loads((GENERATED_DIR / "schemas" / "OrderPlaced.v1.json").read_text(encoding="utf-8"))
    for bad in (10.0, "1E+1", "-1", "0.0001"):
        wire["payload"]["lines"][0]["qty"] = bad
        assert any("lines[0].qty" in error for error in validate(schema, wire, schema)), bad

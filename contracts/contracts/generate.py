"""Render the published artefacts (JSON Schema per message, AsyncAPI); compare with the committed ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts import _yaml
from contracts.asyncapi import asyncapi_document
from contracts.examples import example_envelope
from contracts.registry import TOPICS
from contracts.schemas import message_file_schema, schema_file_name

GENERATED_DIR = Path(__file__).resolve().parent.parent / "generated"
SCHEMAS_DIR = "schemas"
_README = """\
# Generated — do not edit

Produced from the pydantic models by `python -m contracts generate`; `python -m contracts check` (and the
contracts tests) fail when these files are stale.

- `schemas/<Type>.v<version>.json`: JSON Schema (draft 2020-12) of one message as it travels: the envelope,
  with the message in `payload`. `x-topic`, `x-key` and `x-kind` give its topic, Kafka key field and kind.
- `asyncapi.yaml`: AsyncAPI 3.0 — every topic as a channel, with its messages, key and partitions.

Money and quantities are JSON strings holding exact decimals (`"1250.00"`, `"2.5"`); times are ISO 8601 with a
time zone, dates `YYYY-MM-DD`.
"""


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """Every generated file's text, by path relative to the generated folder (POSIX separators)."""
    files = {"README.md": _README, "asyncapi.yaml": _yaml.dump(asyncapi_document())}
    for topic in TOPICS:
        for model in topic.messages:
            schema = message_file_schema(model)
            schema["examples"] = [example_envelope(model).model_dump(mode="json")]
            files[f"{SCHEMAS_DIR}/{schema_file_name(model)}"] = _json(schema)
    return dict(sorted(files.items()))


def _existing(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    return {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}


def stale_files(out: Path = GENERATED_DIR) -> list[str]:
    """Files that differ from what `generate` would write, are missing, or should not be there."""
    wanted = render()
    stale = {name for name in _existing(out) if name not in wanted}
    for name, text in wanted.items():
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.add(name)
    return sorted(stale)


def write(out: Path = GENERATED_DIR) -> list[str]:
    """Bring the folder up to date; the names of the files written or removed."""
    wanted = render()
    changed = stale_files(out)
    for name in changed:
        path = out / name
        if name in wanted:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted[name], encoding="utf-8", newline="\n")
        else:
            path.unlink()
    return changed

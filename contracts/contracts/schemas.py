"""JSON Schema of each message as it travels: the envelope, with the message's payload schema inside.

`ref_prefix` lets the payload schemas serve both the stand-alone files (`#/$defs/`) and the AsyncAPI document
(`#/components/schemas/`).
"""

from __future__ import annotations

import inspect
from typing import Any

from contracts.envelope import Envelope, Message
from contracts.registry import topic_of

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DEFS = "#/$defs/"


def schema_file_name(model: type[Message]) -> str:
    return f"{model.message_type}.v{model.version}.json"


def payload_schemas(model: type[Message], ref_prefix: str = _DEFS) -> dict[str, dict[str, Any]]:
    """The payload model's schema and every schema it refers to, by name."""
    schema = model.model_json_schema(ref_template=ref_prefix + "{model}")
    defs: dict[str, dict[str, Any]] = schema.pop("$defs", {})
    return {**defs, model.__name__: schema}


def envelope_schema(model: type[Message] | None = None) -> dict[str, Any]:
    """The envelope; with a model, `type` and `version` are fixed and `payload` refers to its schema."""
    schema = Envelope.model_json_schema()
    properties: dict[str, Any] = schema["properties"]
    properties["occurred_at"]["description"] = "when the event happened / the command was issued (UTC)"
    properties["correlation_id"]["description"] = "the business flow: the order, PO or PR number"
    properties["causation_id"]["description"] = "event_id of the message that caused this one"
    properties["key"]["description"] = "the Kafka record key, equal to the payload's key field"
    # The producer always writes every field, so a reader can rely on all of them being present.
    schema["required"] = list(properties)
    schema["additionalProperties"] = False
    if model is None:
        schema["description"] = "The envelope around every message; `payload` is the message itself."
        return schema
    topic = topic_of(model)
    properties["type"] = {"const": model.message_type, "type": "string"}
    properties["version"] = {"const": model.version, "type": "integer"}
    properties["key"]["description"] = f"the Kafka record key: the payload's `{model.key_field}`"
    properties["payload"] = {"$ref": _DEFS + model.__name__}
    schema["title"] = f"{model.message_type} v{model.version}"
    schema["description"] = (
        f"{model.kind.capitalize()} on topic `{topic.name}`, keyed by `{model.key_field}`. "
        + inspect.cleandoc(model.__doc__ or "")
    ).strip()
    return schema


def message_file_schema(model: type[Message]) -> dict[str, Any]:
    """The stand-alone JSON Schema file of one message type."""
    topic = topic_of(model)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_file_name(model),
        **envelope_schema(model),
        "$defs": payload_schemas(model),
        "x-kind": model.kind,
        "x-topic": topic.name,
        "x-key": model.key_field,
    }

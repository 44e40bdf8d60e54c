"""The AsyncAPI 3.0 document of the platform: every topic a channel, every message type a message."""

from __future__ import annotations

from typing import Any

from contracts import envelope as env
from contracts.envelope import Message
from contracts.examples import example_envelope
from contracts.registry import TOPICS, Topic
from contracts.schemas import envelope_schema, payload_schemas

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMAS = "#/components/schemas/"


def message_id(model: type[Message]) -> str:
    return f"{model.message_type}.v{model.version}"


def _header(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _headers(dead_letter: bool = False) -> dict[str, Any]:
    properties = {
        env.HEADER_EVENT_ID: _header("the envelope's event_id"),
        env.HEADER_TYPE: _header("the envelope's type"),
        env.HEADER_VERSION: _header("the envelope's version"),
        env.HEADER_CORRELATION_ID: _header("the envelope's correlation_id"),
        env.HEADER_REPLAYED_FROM_DLQ: _header("set on a replayed dead letter: its offset in the DLQ"),
    }
    if dead_letter:
        properties |= {
            env.HEADER_DLQ_REASON: _header("why: " + ", ".join(env.DeadLetterReason)),
            env.HEADER_DLQ_ERROR: _header("the error: a ContractError reason or the handler's exception"),
            env.HEADER_DLQ_TOPIC: _header("the topic the record was read from; replay it there"),
            env.HEADER_DLQ_PARTITION: _header("its partition"),
            env.HEADER_DLQ_OFFSET: _header("its offset"),
            env.HEADER_DLQ_CONSUMER: _header("the service whose consumer failed"),
            env.HEADER_DLQ_AT: _header("ISO 8601 time of the failure"),
        }
    return {"type": "object", "properties": properties}


def _key_binding(description: str) -> dict[str, Any]:
    return {
        "kafka": {
            "key": {"type": "string", "description": description},
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _example(model: type[Message]) -> dict[str, Any]:
    envelope = example_envelope(model)
    headers = {
        env.HEADER_EVENT_ID: str(envelope.event_id),
        env.HEADER_TYPE: envelope.type,
        env.HEADER_VERSION: str(envelope.version),
        env.HEADER_CORRELATION_ID: envelope.correlation_id,
    }
    return {"name": "example", "headers": headers, "payload": envelope.model_dump(mode="json")}


def _message(model: type[Message]) -> dict[str, Any]:
    summary = (model.__doc__ or model.message_type).strip().splitlines()[0]
    return {
        "name": model.message_type,
        "title": f"{model.message_type} v{model.version} ({model.kind})",
        "summary": summary,
        "contentType": "application/json",
        "headers": {"$ref": _SCHEMAS + "KafkaHeaders"},
        "payload": {"$ref": _SCHEMAS + message_id(model)},
        "bindings": _key_binding(f"the payload's `{model.key_field}`"),
        "examples": [_example(model)],
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not process, unchanged, with the failure in dlq-* headers.",
        "contentType": "application/json",
        "headers": {"$ref": _SCHEMAS + "DeadLetterKafkaHeaders"},
        "payload": {"$ref": _SCHEMAS + "Envelope"},
        "bindings": _key_binding("the original record's key"),
    }


def _message_envelope(model: type[Message]) -> dict[str, Any]:
    """The envelope with `type` and `version` fixed and the payload's schema in `payload`."""
    return {
        "title": f"{model.message_type} v{model.version}",
        "allOf": [
            {"$ref": _SCHEMAS + "Envelope"},
            {
                "type": "object",
                "properties": {
                    "type": {"const": model.message_type, "type": "string"},
                    "version": {"const": model.version, "type": "integer"},
                    "payload": {"$ref": _SCHEMAS + model.__name__},
                },
            },
        ],
    }


def _channel(topic: Topic, messages: list[str]) -> dict[str, Any]:
    return {
        "address": topic.name,
        "description": (
            f"{topic.description} Produced by {topic.producer}. Kafka key: {topic.key}. Partitions: {topic.partitions}."
        ),
        "messages": {mid: {"$ref": f"#/components/messages/{mid}"} for mid in messages},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _add_schemas(schemas: dict[str, Any], new: dict[str, Any]) -> None:
    for name, schema in new.items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"two different schemas are named {name}")
        schemas[name] = schema


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {"DeadLetter": _dead_letter_message()}
    schemas: dict[str, Any] = {
        "Envelope": envelope_schema(),
        "KafkaHeaders": _headers(),
        "DeadLetterKafkaHeaders": _headers(dead_letter=True),
    }
    for topic in TOPICS:
        ids = [message_id(model) for model in topic.messages] or ["DeadLetter"]
        channels[topic.name] = _channel(topic, ids)
        operations[f"{topic.name}.send"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic.name}"},
            "summary": f"The {topic.producer} service publishes on {topic.name}.",
            "messages": [{"$ref": f"#/channels/{topic.name}/messages/{mid}"} for mid in ids],
        }
        for model in topic.messages:
            messages[message_id(model)] = _message(model)
            _add_schemas(schemas, payload_schemas(model, ref_prefix=_SCHEMAS))
            _add_schemas(schemas, {message_id(model): _message_envelope(model)})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "采销订单跟踪系统 — order-tracking platform messages",
            "version": DOCUMENT_VERSION,
            "description": (
                "Every Kafka record's value is the JSON of an envelope whose `payload` is the message. "
                "Money and quantities are decimal strings. Messages of one business object share a key, "
                "so they arrive in order. Generated by `python -m contracts generate`; do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "The platform's broker (docker-compose service `kafka`); set per environment.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }

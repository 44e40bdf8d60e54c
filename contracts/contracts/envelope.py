"""The common envelope every Kafka message travels in.

The body of a Kafka record is the JSON of an `Envelope`; `payload` holds the message itself, whose model is
found by `(type, version)` in `contracts.registry`. A few envelope fields are mirrored as Kafka headers for
tracing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Base of every event and command payload.

    Subclasses set `message_type` (an event in the past tense, `OrderPlaced`; a command in the imperative,
    `ReserveStock`), `version`, `kind`, and `key_field`: the payload field whose value is the Kafka key.
    """

    # Tolerant reader: fields added by a newer producer are ignored, so additive changes deploy safely.
    model_config = ConfigDict(frozen=True, extra="ignore")

    message_type: ClassVar[str]
    version: ClassVar[int] = 1
    kind: ClassVar[Literal["event", "command"]] = "event"
    key_field: ClassVar[str]

    def key(self) -> str:
        return str(getattr(self, self.key_field))


class Envelope(BaseModel):
    """Metadata around one message. `correlation_id` names the business flow (an order, a requisition)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str = Field(min_length=1)
    correlation_id: str = Field(min_length=1)
    causation_id: str | None = None
    key: str = Field(min_length=1)
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        message: Message,
        *,
        producer: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        return cls(
            type=message.message_type,
            version=message.version,
            producer=producer,
            correlation_id=correlation_id or message.key(),
            causation_id=causation_id,
            key=message.key(),
            payload=message.model_dump(mode="json"),
        )


HEADER_EVENT_ID = "event-id"
HEADER_TYPE = "event-type"
HEADER_VERSION = "event-version"
HEADER_CORRELATION_ID = "correlation-id"

# Headers a dead-letter record (topic `dlq.<service>`) carries besides the ones above (servicekit sets them);
# its value and key are the original record's, unchanged, so it can be replayed onto `HEADER_DLQ_TOPIC`.
HEADER_DLQ_REASON = "dlq-reason"
HEADER_DLQ_ERROR = "dlq-error"
HEADER_DLQ_TOPIC = "dlq-original-topic"
HEADER_DLQ_PARTITION = "dlq-original-partition"
HEADER_DLQ_OFFSET = "dlq-original-offset"
HEADER_DLQ_CONSUMER = "dlq-consumer"
HEADER_DLQ_AT = "dlq-at"
HEADER_REPLAYED_FROM_DLQ = "replayed-from-dlq"
HEADER_DLQ_PREFIX = "dlq-"  # every header above that starts with it is the dead letter's own


class DeadLetterReason(StrEnum):
    """Why a record went to the dead-letter topic (`HEADER_DLQ_REASON`)."""

    INVALID_ENVELOPE = "invalid_envelope"  # not JSON, or not an envelope
    CONTRACT_VIOLATION = "contract_violation"  # an envelope whose payload breaks its message type's contract
    PREREQUISITE_MISSING = "prerequisite_missing"  # refers to something the consumer never learned of
    HANDLER_ERROR = "handler_error"  # the handler failed on every attempt

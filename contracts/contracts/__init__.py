"""Kafka message contracts of the order-tracking platform: the envelope, every event and command, the topics.

One module per producing service (`contracts.sales`, `inventory`, `finance`, `purchasing`, `notifier`); shared
value types in `contracts.common`; topics, keys and payload parsing in `contracts.registry`.
"""

from contracts.envelope import Envelope, Message
from contracts.errors import ContractError
from contracts.registry import (
    TOPICS,
    Topic,
    dead_letter_topic,
    model_of,
    parse_payload,
    parse_typed,
    topic_named,
    topic_of,
)

__all__ = [
    "TOPICS",
    "ContractError",
    "Envelope",
    "Message",
    "Topic",
    "dead_letter_topic",
    "model_of",
    "parse_payload",
    "parse_typed",
    "topic_named",
    "topic_of",
]

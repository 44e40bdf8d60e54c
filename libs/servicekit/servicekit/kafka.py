"""Kafka client settings in one place: the idempotent producer used by the relay and the dead-letter path."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer

from contracts.envelope import HEADER_CORRELATION_ID, HEADER_EVENT_ID, HEADER_TYPE, HEADER_VERSION


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # Idempotence (acks=all, a producer id and sequence numbers) keeps retried batches from being written twice
    # or out of order within a partition.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=1,
        request_timeout_ms=15000,
    )


def envelope_headers(envelope: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [
        ("content-type", b"application/json"),
        (HEADER_EVENT_ID, str(envelope["event_id"]).encode()),
        (HEADER_TYPE, str(envelope["type"]).encode()),
        (HEADER_VERSION, str(envelope["version"]).encode()),
        (HEADER_CORRELATION_ID, str(envelope["correlation_id"]).encode()),
    ]

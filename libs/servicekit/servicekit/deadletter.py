"""Dead letters: a message that cannot be processed is copied, with the reason and its original headers, to
the service's dead-letter topic, so its partition keeps flowing. `python -m servicekit.deadletter` lists and
replays them."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts import dead_letter_topic
from contracts import envelope as env
from contracts.envelope import DeadLetterReason
from servicekit.kafka import Producer

DLQ_PREFIX = env.HEADER_DLQ_PREFIX
H_REASON = env.HEADER_DLQ_REASON
H_ERROR = env.HEADER_DLQ_ERROR
H_TOPIC = env.HEADER_DLQ_TOPIC
H_PARTITION = env.HEADER_DLQ_PARTITION
H_OFFSET = env.HEADER_DLQ_OFFSET
H_CONSUMER = env.HEADER_DLQ_CONSUMER
H_AT = env.HEADER_DLQ_AT
H_REPLAYED = env.HEADER_REPLAYED_FROM_DLQ


class DeadLetters:
    def __init__(self, producer: Producer, service: str) -> None:
        self._producer = producer
        self._service = service
        self.topic = dead_letter_topic(service)

    async def send(self, record: ConsumerRecord[Any, Any], reason: DeadLetterReason, error: str) -> None:
        """Returns once the broker has the dead letter, so the original's offset may then be committed."""
        headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith(DLQ_PREFIX)]
        headers += [
            (H_REASON, reason.encode()),
            (H_ERROR, error[:4000].encode("utf-8", "replace")),
            (H_TOPIC, record.topic.encode()),
            (H_PARTITION, str(record.partition).encode()),
            (H_OFFSET, str(record.offset).encode()),
            (H_CONSUMER, self._service.encode()),
            (H_AT, datetime.now(UTC).isoformat().encode()),
        ]
        await self._producer.send_and_wait(self.topic, value=record.value, key=record.key, headers=headers)


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None


async def _partitions(bootstrap: str, topic: str) -> set[int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return set(await producer.partitions_for(topic))
    finally:
        await producer.stop()


async def _read_all(bootstrap: str, topic: str, group: str | None) -> tuple[AIOKafkaConsumer, list[Any]]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(bootstrap, topic))]
    consumer.assign(partitions)
    end = await consumer.end_offsets(partitions)
    records: list[Any] = []
    while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
        batch = await consumer.getmany(*partitions, timeout_ms=1000)
        for recs in batch.values():
            records.extend(recs)
    return consumer, records


async def list_dead_letters(bootstrap: str, service: str) -> list[dict[str, Any]]:
    consumer, records = await _read_all(bootstrap, dead_letter_topic(service), None)
    await consumer.stop()
    return [
        {
            "offset": r.offset,
            "reason": header(r, H_REASON),
            "error": header(r, H_ERROR),
            "original_topic": header(r, H_TOPIC),
            "original_offset": header(r, H_OFFSET),
            "key": r.key.decode() if r.key else None,
            "at": header(r, H_AT),
        }
        for r in records
    ]


async def replay(bootstrap: str, service: str, reason: str | None = None) -> int:
    """Republish not-yet-replayed dead letters to their original topics, with their original key and headers.

    Progress is the committed offset of the group `dlq-replay.<service>`, so each dead letter is replayed once
    per request; a replayed message that fails again lands in the dead-letter topic again, as a new record."""
    consumer, records = await _read_all(bootstrap, dead_letter_topic(service), f"dlq-replay.{service}")
    producer = Producer(bootstrap, f"{service}-dlq-replay")
    await producer.start()
    replayed = 0
    try:
        for record in records:
            if reason and header(record, H_REASON) != reason:
                continue
            original = header(record, H_TOPIC)
            if not original:
                continue
            headers = [(k, v) for k, v in record.headers if not k.startswith(DLQ_PREFIX)]
            headers.append((H_REPLAYED, str(record.offset).encode()))
            await producer.send_and_wait(original, value=record.value, key=record.key, headers=headers)
            replayed += 1
        if records:
            last = records[-1]
            await consumer.commit({TopicPartition(last.topic, last.partition): last.offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


def main() -> None:
    parser = argparse.ArgumentParser(description="List or replay a service's dead-lettered messages.")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--service", required=True)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--reason", help="replay only dead letters with this reason")
    args = parser.parse_args()
    if args.action == "list":
        for item in asyncio.run(list_dead_letters(args.bootstrap, args.service)):
            print(json.dumps(item, ensure_ascii=False))
    else:
        print(f"replayed {asyncio.run(replay(args.bootstrap, args.service, args.reason))}")


if __name__ == "__main__":
    main()

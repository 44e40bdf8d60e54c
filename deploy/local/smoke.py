"""End-to-end check of the local stack: every service login reaches its own database,
and a message produced to Kafka comes back to a consumer.

usage: smoke.py   (reads the variables printed by `infra.sh env`)
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

SERVICES = ("gateway", "purchasing", "sales", "inventory", "finance", "notifier")


async def check_databases() -> None:
    for svc in SERVICES:
        url = os.environ[f"{svc.upper()}_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(url)
        try:
            who = await conn.fetchrow("SELECT current_user AS u, current_database() AS d")
            assert who is not None and (who["u"], who["d"]) == (svc, svc), who
        finally:
            await conn.close()
    admin = await asyncpg.connect(os.environ["PG_ADMIN_URL"])
    try:
        assert await admin.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    finally:
        await admin.close()


async def check_kafka() -> None:
    bootstrap = os.environ["KAFKA_BOOTSTRAP"]
    topic = f"smoke.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"ping", key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest")
        await consumer.start()
        try:
            message = await asyncio.wait_for(consumer.getone(), timeout=30)
            assert message.value == b"ping", message
            await consumer.commit()
        finally:
            await consumer.stop()
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def main() -> None:
    await check_databases()
    await check_kafka()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)  # aiokafka's retry chatter is not a failure
    try:
        asyncio.run(main())
    except Exception as exc:
        sys.exit(f"smoke: FAILED: {exc!r}")

"""The raw floor: what bare aiokafka and bare asyncpg achieve for the same shape of work as one order's saga,
on the same broker, databases, partition counts and producer settings, with no framework and no business logic.

One "order" = a first commit (the order row), then `hops` Kafka hops; each hop is consumed by a worker process
standing for a service, which commits one row in that service's database and produces the next hop. So an
order costs `hops` Kafka round trips and `hops + 1` database commits, like the saga up to its terminal state.

Run alone: `python -m tools.bench.floor --orders 2000 --in-flight 64` (database URLs from the environment)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass

import asyncpg
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from servicekit.kafka import make_producer

# The saga to a terminal state: sales → inventory (reserve) → sales → finance (credit) → sales (confirm).
HOP_SERVICES = ("inventory", "sales", "finance", "sales")
PARTITIONS = 6
DDL = (
    "CREATE SCHEMA IF NOT EXISTS bench; CREATE TABLE IF NOT EXISTS bench.floor (id uuid PRIMARY KEY, hop int NOT NULL)"
)


def env_urls() -> dict[str, str]:
    return {s: os.environ[f"{s.upper()}_DATABASE_URL"] for s in set(HOP_SERVICES)}


def plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def topic(run: str, hop: int) -> str:
    return f"bench.floor.{run}.{hop}"


async def ensure_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
    except TopicAlreadyExistsError:
        pass
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


async def worker(bootstrap: str, dsn: str, run: str, hop: int, last: bool) -> None:
    """One hop: consume, commit one row, produce the next hop (or the completion), commit offsets."""
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
    producer = make_producer(bootstrap, f"floor-{hop}")
    consumer = AIOKafkaConsumer(
        topic(run, hop),
        bootstrap_servers=bootstrap,
        group_id=f"floor-{run}-{hop}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    out = topic(run, "done" if last else hop + 1)  # type: ignore[arg-type]

    async def one(value: bytes, key: bytes) -> None:
        order_id = uuid.UUID(json.loads(value)["id"])
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench.floor (id, hop) VALUES ($1, $2) ON CONFLICT DO NOTHING", order_id, hop
            )
        await (await producer.send(out, value=value, key=key))

    try:
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=200)
            if not batch:
                continue
            await asyncio.gather(
                *(asyncio.gather(*[one(r.value, r.key) for r in records]) for records in batch.values())
            )
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()
        await pool.close()


@dataclass
class FloorResult:
    orders: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(bootstrap: str, dsn: str, run: str, orders: int, in_flight: int) -> FloorResult:
    """Closed loop: `in_flight` orders at a time; an order completes when its last hop is seen."""
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
    producer: AIOKafkaProducer = make_producer(bootstrap, "floor-driver")
    done = AIOKafkaConsumer(topic(run, "done"), bootstrap_servers=bootstrap, auto_offset_reset="earliest")  # type: ignore[arg-type]
    await producer.start()
    await done.start()
    waiting: dict[str, asyncio.Future[float]] = {}
    latencies: list[float] = []

    async def completions() -> None:
        while True:
            batch = await done.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    fut = waiting.pop(json.loads(r.value)["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(now)

    async def order() -> None:
        order_id = str(uuid.uuid4())
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        waiting[order_id] = fut
        start = time.perf_counter()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO bench.floor (id, hop) VALUES ($1, 0)", uuid.UUID(order_id))
        await (await producer.send(topic(run, 1), value=json.dumps({"id": order_id}).encode(), key=order_id.encode()))
        latencies.append((await asyncio.wait_for(fut, 60)) - start)

    reader = asyncio.create_task(completions())
    semaphore = asyncio.Semaphore(in_flight)

    async def bounded() -> None:
        async with semaphore:
            await order()

    began = time.perf_counter()
    await asyncio.gather(*(bounded() for _ in range(orders)))
    seconds = time.perf_counter() - began
    reader.cancel()
    await done.stop()
    await producer.stop()
    await pool.close()
    ms = [x * 1000 for x in latencies]
    return FloorResult(
        orders, seconds, orders / seconds, percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 0.99)
    )


async def measure(bootstrap: str, urls: dict[str, str], orders: int, in_flight: int) -> FloorResult:
    """Set up topics, tables and hop workers (one process each, like the services), measure, tear down.
    `urls` are the services' database URLs (the floor writes to a `bench` schema in each)."""
    run = uuid.uuid4().hex[:8]
    names = [topic(run, h) for h in range(1, len(HOP_SERVICES) + 1)] + [topic(run, "done")]  # type: ignore[arg-type]
    await ensure_topics(bootstrap, names)
    for service in set(HOP_SERVICES):
        conn = await asyncpg.connect(plain_dsn(urls[service]))
        await conn.execute(DDL)
        await conn.close()
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tools.bench.floor",
            "--worker",
            str(h),
            "--run",
            run,
            "--bootstrap",
            bootstrap,
            "--dsn",
            plain_dsn(urls[HOP_SERVICES[h - 1]]),
            *(["--last"] if h == len(HOP_SERVICES) else []),
        )
        for h in range(1, len(HOP_SERVICES) + 1)
    ]
    try:
        sales = plain_dsn(urls["sales"])
        await drive(bootstrap, sales, run, min(50, orders), in_flight)  # warm-up: group joins, connections
        return await drive(bootstrap, sales, run, orders, in_flight)
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
        for p in procs:
            await p.wait()
        await delete_topics(bootstrap, names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--last", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The event loop the services run on (uvicorn takes uvloop when it is installed): the floor must not be slower
    # for a reason the platform does not share.
    if args.worker:
        uvloop.run(worker(args.bootstrap, args.dsn, args.run, args.worker, args.last))
        return
    result = uvloop.run(measure(args.bootstrap, env_urls(), args.orders, args.in_flight))
    print(json.dumps(result.__dict__, indent=2))


if __name__ == "__main__":
    main()

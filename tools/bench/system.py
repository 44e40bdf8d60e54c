"""Drive orders through the real running platform (HTTP in, the saga across Kafka and five databases) and
measure when each reaches a terminal saga state (confirmed or rejected), seen on `sales.orders`."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from contracts.envelope import HEADER_TYPE
from servicekit.testing import partitions_of
from tools.bench.floor import percentile
from tools.bench.http import LightClient
from tools.workload import Api

TERMINAL = frozenset({"confirmed", "rejected"})


class Terminals:
    """Follows `sales.orders` from its current end and resolves a future per order at its terminal state."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._seen: dict[str, tuple[float, str]] = {}
        self._waiting: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        partitions = await partitions_of(self._bootstrap, ["sales.orders"])
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        await self._consumer.start()
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()

    async def _follow(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=50)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    if (HEADER_TYPE, b"OrderStatusChanged") not in (r.headers or ()):
                        continue  # the type is in the headers: skip the other events without parsing them
                    event = json.loads(r.value)
                    if event["type"] != "OrderStatusChanged" or event["payload"]["to_status"] not in TERMINAL:
                        continue
                    order_no, status = event["payload"]["order_no"], event["payload"]["to_status"]
                    future = self._waiting.pop(order_no, None)
                    if future is not None and not future.done():
                        future.set_result((now, status))
                    else:
                        self._seen[order_no] = (now, status)

    async def wait(self, order_no: str, timeout: float = 120) -> tuple[float, str]:
        if order_no in self._seen:
            return self._seen.pop(order_no)
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self._waiting[order_no] = future
        return await asyncio.wait_for(future, timeout)


@dataclass
class Catalogue:
    skus: list[str]
    empty_skus: list[str]  # no stock: orders for them are rejected (out_of_stock)
    customers: list[str]
    poor_customers: list[str]  # tiny credit limit: orders are rejected (credit_limit)


@dataclass
class RunResult:
    mode: str
    level: float  # in flight (closed loop) or orders/s offered (open loop)
    orders: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)


class Driver:
    def __init__(
        self,
        api: Api,
        terminals: Terminals,
        catalogue: Catalogue,
        reject_share: float = 0.1,
        poster: LightClient | None = None,
    ) -> None:
        self._api = api
        self._poster = poster
        self._terminals = terminals
        self._cat = catalogue
        self._reject_share = reject_share
        self._rng = random.Random(7)
        self.placed: list[str] = []

    def _order_body(self) -> tuple[str, list[tuple[str, int, str]]]:
        roll = self._rng.random()
        if roll < self._reject_share / 2:
            return self._rng.choice(self._cat.customers), [(self._rng.choice(self._cat.empty_skus), 1, "10.00")]
        if roll < self._reject_share:
            return self._rng.choice(self._cat.poor_customers), [(self._rng.choice(self._cat.skus), 1, "99.00")]
        lines = [(sku, self._rng.randint(1, 3), "10.00") for sku in self._rng.sample(self._cat.skus, 2)]
        return self._rng.choice(self._cat.customers), lines

    async def one(self, started: float | None = None) -> tuple[float, str]:
        start = started if started is not None else time.perf_counter()
        customer, lines = self._order_body()
        order = await self._place(customer, lines)
        self.placed.append(order["order_no"])
        at, status = await self._terminals.wait(order["order_no"])
        return at - start, status

    async def _place(self, customer: str, lines: list[tuple[str, int, str]]) -> dict[str, Any]:
        if self._poster is None:
            return await self._api.place_order(customer, lines, channel="api")
        body = Api.order_body(customer, lines, channel="api")
        status, order = await self._poster.post_json("/api/v1/orders", body, self._api.headers("sales"))
        if status != 201:
            raise AssertionError(f"placing an order answered {status}: {order}")
        return dict(order)

    async def closed_loop(self, in_flight: int, orders: int) -> RunResult:
        results: list[tuple[float, str]] = []
        queue = iter(range(orders))

        async def worker() -> None:
            for _ in queue:
                results.append(await self.one())

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return _result("closed", in_flight, results, time.perf_counter() - began)

    async def open_loop(self, rate: float, seconds: float) -> RunResult:
        """Arrivals on a fixed schedule; latency counts from each order's scheduled start (no coordinated
        omission)."""
        count = max(1, int(rate * seconds))
        began = time.perf_counter()
        tasks = []
        for i in range(count):
            scheduled = began + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(started=scheduled)))
        results = await asyncio.gather(*tasks)
        return _result("open", rate, list(results), time.perf_counter() - began)


def _result(mode: str, level: float, results: list[tuple[float, str]], seconds: float) -> RunResult:
    ms = [r[0] * 1000 for r in results]
    statuses: dict[str, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return RunResult(
        mode,
        level,
        len(results),
        seconds,
        len(results) / seconds,
        percentile(ms, 0.5),
        percentile(ms, 0.95),
        percentile(ms, 0.99),
        statuses,
    )


async def build_catalogue(api: Api, skus: int = 40, customers: int = 40) -> Catalogue:
    await api.warehouse()
    tag = f"{random.randrange(16**6):06X}"
    cat = Catalogue([], [], [], [])
    for i in range(skus):
        sku = f"BENCH-{tag}-{i:03d}"
        await api.product(sku)
        await api.opening_stock(sku, 1_000_000, unit_cost="6.00")
        cat.skus.append(sku)
    for i in range(3):
        sku = f"BENCH-{tag}-EMPTY-{i}"
        await api.product(sku)
        cat.empty_skus.append(sku)
    for i in range(customers):
        code = f"BC-{tag}-{i:03d}"
        await api.customer(code, credit_limit="900000000.00")
        cat.customers.append(code)
    for i in range(3):
        code = f"BC-{tag}-POOR-{i}"
        await api.customer(code, credit_limit="1.00")
        cat.poor_customers.append(code)
    for code in cat.customers + cat.poor_customers:  # finance must know them before orders need credit
        deadline = time.monotonic() + 60
        while not await api.credit_account_exists(code):
            if time.monotonic() > deadline:
                raise AssertionError(f"finance never learned about customer {code}")
            await asyncio.sleep(0.1)
    return cat


def as_dict(result: Any) -> dict[str, Any]:
    return dict(result.__dict__)

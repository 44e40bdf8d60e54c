"""Replicas under rebalancing: two replicas each of sales, inventory and finance under a steady load of orders
and shipments while a replica is added (finance), one is SIGKILLed (sales) and one is stopped gracefully
(inventory, SIGTERM); then every acknowledged order exists and finished its saga, no message was dead-lettered,
every invariant of the three databases holds, each service ran exactly one outbox relay at the end, and the
replica stopped with SIGTERM finished its batch in flight and committed its offsets before it exited.

    .venv/bin/python -m tools.replicas      (make replicas; tests/test_replicas.py runs it in make test)"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from servicekit.invariants import Result, report
from servicekit.testing import JWT_SECRET, discover_infra, eventually
from tools.bench.system import build_catalogue
from tools.chaos import Load, _dead_letters_since, _settled, log_summary
from tools.invariants import IN_FLIGHT_GRACE_SECONDS, check_all
from tools.stack import Process, as_processes
from tools.workload import Api

SERVICES = ("sales", "inventory", "finance")
_DRAINED = re.compile(
    r"consumer drained \(batch in flight finished\), offsets committed: (\{.*\}), left uncommitted: 0"
)
_OFFSET = re.compile(r"'([^']+)\[(\d+)\]': (\d+)")


async def _metric(process: Process, name: str) -> float:
    async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
        text = (await client.get("/metrics")).text
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{")]
    return sum(values)


def _drained_offsets(log: Path) -> dict[TopicPartition, int] | None:
    """The offsets the replica committed as it drained (from its log line); None when it did not drain."""
    found = None
    for line in log.read_text(errors="replace").splitlines():
        match = _DRAINED.search(line)
        if match:
            found = {TopicPartition(t, int(p)): int(o) for t, p, o in _OFFSET.findall(match.group(1))}
    return found


async def _committed(bootstrap: str, group: str, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp: await consumer.committed(tp) or 0 for tp in partitions}
    finally:
        await consumer.stop()


async def run(log: Callable[[str], None] = print, phase_seconds: float = 5) -> tuple[bool, str]:
    infra = discover_infra()
    began = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        async with as_processes(infra, Path(tmp), services=SERVICES, prefix="replicas", replicas=2) as (
            platform,
            procs,
        ):
            api = Api(platform.clients, JWT_SECRET, user="replicas")
            catalogue = await build_catalogue(api, skus=6, customers=6)
            load = Load(api, catalogue.skus + catalogue.empty_skus, catalogue.customers, rate=6)
            workers = [asyncio.create_task(load.orders()), asyncio.create_task(load.shipments())]
            results: list[Result] = []
            try:
                await asyncio.sleep(phase_seconds)
                t = time.monotonic()
                procs["finance-3"] = procs["finance"].replica("finance-3")
                procs["finance-3"].start()
                await procs["finance-3"].ready(timeout=90)
                log(f"replica added: finance-3 ({time.monotonic() - t:.1f}s to ready)")
                await asyncio.sleep(phase_seconds)
                procs.pop("sales-2").kill(signal.SIGKILL)
                log("replica SIGKILLed: sales-2")
                await asyncio.sleep(phase_seconds)
                t = time.monotonic()
                stopped = procs.pop("inventory-2")
                await asyncio.to_thread(stopped.kill, signal.SIGTERM)
                log(f"replica stopped (SIGTERM): inventory-2 ({time.monotonic() - t:.1f}s to exit)")
                await asyncio.sleep(phase_seconds)
            finally:
                load.stop()
                await asyncio.gather(*workers, return_exceptions=True)
            log(
                f"load: {len(load.acknowledged)} orders acknowledged, {load.refused} refused, "
                f"{len(load.shipped)} shipped"
            )

            try:
                pending = await eventually(
                    lambda: _settled(api, load.acknowledged), lambda left: not left, timeout=120, interval=2
                )
            except AssertionError:
                pending = await _settled(api, load.acknowledged)
            results.append(
                Result(
                    "replicas",
                    "every acknowledged order reached a terminal saga state",
                    len(pending),
                    [{"order_no": no} for no in pending[:5]],
                )
            )
            with contextlib.suppress(AssertionError):
                await eventually(
                    lambda: check_all(platform.urls),
                    lambda rs: all(r.valid for r in rs if r.name == "no outbox row left unsent"),
                    timeout=60,
                    interval=1,
                )
            results += await check_all(platform.urls, grace_seconds=IN_FLIGHT_GRACE_SECONDS)
            letters = [x for x in await _dead_letters_since(infra.kafka_bootstrap, began) if x["service"] in SERVICES]
            results.append(Result("replicas", "no message dead-lettered", len(letters), letters[:5]))

            # One relay per service among its replicas (an advisory lock; standbys wait).
            leaders = {service: [name for name, p in procs.items() if p.service == service] for service in SERVICES}
            wrong = []
            for service, names in leaders.items():
                count = sum([await _metric(procs[n], "platform_relay_leader") for n in names])
                if count != 1:
                    wrong.append({"service": service, "relays": count, "replicas": names})
            results.append(Result("replicas", "one outbox relay per service", len(wrong), wrong))

            # The gracefully stopped replica drained: its batch finished, its offsets committed before it left.
            drained = _drained_offsets(stopped.log)
            behind: list[dict[str, object]] = []
            if drained is None:
                behind.append({"replica": "inventory-2", "problem": "no drain logged"})
            else:
                committed = await _committed(infra.kafka_bootstrap, stopped.group, list(drained))
                behind = [
                    {"partition": f"{tp.topic}[{tp.partition}]", "drained": o, "committed": committed[tp]}
                    for tp, o in drained.items()
                    if committed[tp] < o
                ]
            results.append(
                Result("replicas", "a SIGTERMed replica commits what it processed before it exits", len(behind), behind)
            )
            valid = all(r.valid for r in results)
            text = report(results)
            if not valid:
                for name, process in {**procs, "inventory-2": stopped}.items():
                    lines = log_summary(process.log)
                    text += f"\n{name} log, warnings and errors:\n" + "\n".join(lines or ["(none)"])
    return valid, text


def main() -> None:
    valid, text = asyncio.run(run())
    print(text)
    sys.exit(0 if valid else 1)


if __name__ == "__main__":
    main()

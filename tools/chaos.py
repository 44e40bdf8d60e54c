"""`make chaos`: a steady load of orders while services, the broker and the database are killed, paused and
restarted and consumer offsets are rewound; then, once quiet, a Jepsen-style check of what must hold:
every order the API acknowledged exists, every saga reached a terminal state, no message was dead-lettered, and
every service invariant (stock, reservations, ledger, invoices, journal, alerts, outbox) is valid. Exits
non-zero when anything is invalid. `--short` is the variant `make test` runs.

    .venv/bin/python -m tools.chaos [--short]"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from servicekit.deadletter import list_dead_letters
from servicekit.invariants import Result, report
from servicekit.kafka import REQUEST_TIMEOUT_MS
from servicekit.testing import JWT_SECRET, Infra, discover_infra, eventually
from tools import faults
from tools.bench.system import build_catalogue
from tools.invariants import IN_FLIGHT_GRACE_SECONDS, check_all
from tools.stack import SERVICES, Process, as_processes
from tools.workload import Api, ApiError

IN_SAGA = frozenset({"pending", "pending_approval", "reserving", "awaiting_credit"})


@dataclass
class Load:
    """Places orders at a steady rate and ships confirmed ones; records what the API acknowledged."""

    api: Api
    skus: list[str]
    customers: list[str]
    rate: float
    acknowledged: list[str] = field(default_factory=list)
    refused: int = 0
    shipped: set[str] = field(default_factory=set)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _place(self, rng: random.Random) -> None:
        lines = [(rng.choice(self.skus), rng.randint(1, 2), "12.50")]
        try:
            order = await self.api.place_order(rng.choice(self.customers), lines, channel="api")
        except (ApiError, httpx.HTTPError):
            self.refused += 1  # not acknowledged: the API may be down during a fault
            return
        self.acknowledged.append(order["order_no"])

    async def orders(self) -> None:
        rng = random.Random(11)
        tasks: set[asyncio.Task[None]] = set()
        while not self._stop.is_set():
            task = asyncio.create_task(self._place(rng))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(1 / self.rate)
        await asyncio.gather(*tasks)

    async def shipments(self) -> None:
        while not self._stop.is_set():
            for order_no in list(self.acknowledged[-40:]):
                if order_no in self.shipped:
                    continue
                with contextlib.suppress(ApiError, httpx.HTTPError, AssertionError):
                    if (await self.api.order(order_no))["status"] != "confirmed":
                        continue
                    do = await self.api.outbound_of(order_no, timeout=2)
                    await self.api.pick_all(do["do_no"])
                    await self.api.ship(do["do_no"])
                    self.shipped.add(order_no)
            await asyncio.sleep(1)

    def stop(self) -> None:
        self._stop.set()


async def _settled(api: Api, order_nos: list[str]) -> list[str]:
    """Orders still inside their saga (or unreadable)."""
    pending = []
    for no in order_nos:
        try:
            if (await api.order(no))["status"] in IN_SAGA:
                pending.append(no)
        except (ApiError, httpx.HTTPError):
            pending.append(no)
    return pending


def _faults(short: bool, infra: Infra, procs: dict[str, Process]) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    boot = infra.kafka_bootstrap
    plan: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("SIGKILL inventory, restart", lambda: faults.kill_and_restart(procs["inventory"])),
        ("rewind finance offsets 30 %", lambda: faults.rewind_offsets(procs["finance"], boot)),
        (
            "stop Kafka past the producers' request timeout, restart",
            lambda: faults.restart_kafka(down_seconds=REQUEST_TIMEOUT_MS / 1000 + 5),
        ),
        ("SIGKILL sales, restart", lambda: faults.kill_and_restart(procs["sales"])),
        ("restart PostgreSQL", faults.restart_postgres),
    ]
    if not short:
        plan += [
            ("SIGKILL finance, restart", lambda: faults.kill_and_restart(procs["finance"])),
            ("SIGKILL purchasing, restart", lambda: faults.kill_and_restart(procs["purchasing"])),
            ("SIGKILL notifier, restart", lambda: faults.kill_and_restart(procs["notifier"])),
            ("restart Kafka broker", faults.restart_kafka),
            (
                "SIGSTOP inventory past its session timeout",
                lambda: faults.pause_past_session_timeout(procs["inventory"]),
            ),
            ("rewind sales offsets 30 %", lambda: faults.rewind_offsets(procs["sales"], boot)),
            ("rewind inventory offsets 30 %", lambda: faults.rewind_offsets(procs["inventory"], boot)),
        ]
    return plan


async def _dead_letters_since(bootstrap: str, began: datetime) -> list[dict[str, object]]:
    """What the services dead-lettered during the run. The load sends no malformed or impossible messages, so
    each one is a message lost to a fault (say, a database restart taken for a handler error)."""
    found = []
    for service in SERVICES:
        for letter in await list_dead_letters(bootstrap, service):
            if letter["at"] and datetime.fromisoformat(letter["at"]) >= began:
                found.append({"service": service, **letter})
    return found


def log_summary(path: Path, most: int = 6) -> list[str]:
    """The service's own warnings and errors (the Kafka client's reconnect chatter left out), most frequent
    first, with the time each was first seen: what a failed run's report shows, since the logs go with it."""
    seen: Counter[tuple[str, str, str]] = Counter()
    first: dict[tuple[str, str, str], str] = {}
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("level") not in ("WARNING", "ERROR", "CRITICAL"):
            continue
        if str(entry.get("logger", "")).startswith("aiokafka"):
            continue
        key = (str(entry["level"]), str(entry.get("logger")), str(entry.get("message", ""))[:160])
        seen[key] += 1
        first.setdefault(key, str(entry.get("at", ""))[11:19])
    return [f"{n:6d}× from {first[k]} {k[0]} {k[1]}: {k[2]}" for k, n in seen.most_common(most)]


async def run(short: bool = False, log: Callable[[str], None] = print) -> tuple[bool, str]:
    infra = discover_infra()
    run_began = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        async with as_processes(infra, Path(tmp), prefix="chaos") as (platform, procs):
            api = Api(platform.clients, JWT_SECRET, user="chaos")
            catalogue = await build_catalogue(api, skus=8, customers=8)
            # Some skus run out during the run, so reservations are contended and rejections happen.
            load = Load(api, catalogue.skus + catalogue.empty_skus, catalogue.customers, rate=8 if short else 15)
            workers = [asyncio.create_task(load.orders()), asyncio.create_task(load.shipments())]
            gap = 3 if short else 8
            try:
                await asyncio.sleep(gap)
                for name, fault in _faults(short, infra, procs):
                    began = time.monotonic()
                    outcome = await fault()
                    detail = f", {outcome} records re-delivered" if isinstance(outcome, int) else ""
                    log(f"fault: {name} ({time.monotonic() - began:.1f}s{detail})")
                    await asyncio.sleep(gap)
            finally:
                load.stop()
                await asyncio.gather(*workers, return_exceptions=True)
            for p in procs.values():  # a fault may have left one down; invariants need all of them
                if p.proc is not None and p.proc.poll() is not None:
                    p.start()
                    await p.ready()
            log(
                f"load: {len(load.acknowledged)} orders acknowledged, {load.refused} refused, "
                f"{len(load.shipped)} shipped"
            )
            # Waits for quiet; what has not settled by then is reported as invalid, not raised.
            try:
                pending = await eventually(
                    lambda: _settled(api, load.acknowledged), lambda left: not left, timeout=240, interval=2
                )
            except AssertionError:
                pending = await _settled(api, load.acknowledged)
            results: list[Result] = [
                Result(
                    "chaos",
                    "every acknowledged order reached a terminal saga state",
                    len(pending),
                    [{"order_no": no} for no in pending[:5]],
                ),
            ]
            missing = []
            for no in load.acknowledged:
                with contextlib.suppress(ApiError):
                    await api.order(no)
                    continue
                missing.append({"order_no": no})
            results.insert(0, Result("chaos", "every acknowledged order exists", len(missing), missing[:5]))
            with contextlib.suppress(AssertionError):
                await eventually(
                    lambda: check_all(platform.urls),
                    lambda rs: all(r.valid for r in rs if r.name == "no outbox row left unsent"),
                    timeout=120,
                    interval=1,
                )
            results += await check_all(platform.urls, grace_seconds=IN_FLIGHT_GRACE_SECONDS)
            letters = await _dead_letters_since(infra.kafka_bootstrap, run_began)
            results.append(Result("chaos", "no message dead-lettered", len(letters), letters[:5]))
            valid = all(r.valid for r in results)
            text = report(results)
            if not valid:
                for service, process in procs.items():
                    lines = log_summary(process.log)
                    text += f"\n{service} log, warnings and errors:\n" + "\n".join(lines or ["(none)"])
    return valid, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="a few faults and a small load (as in make test)")
    args = parser.parse_args()
    valid, text = asyncio.run(run(args.short))
    print(text)
    sys.exit(0 if valid else 1)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()

"""The gateway's benchmark (issue 20): what the proxy adds to a request, and live events fanned out to 500
browsers while orders flow. Prints figures; not a timed test. On the tests' infra:

    make bench-gateway        (or: eval "$(deploy/local/infra.sh env)"; .venv/bin/python -m tools.bench_gateway)

The gateway, sales, inventory and finance run as uvicorn processes (fresh databases and consumer groups), the
services verifying the gateway's RS256 tokens through its JWKS, as in `make up`.

- Proxy: the same GET (one order, through sales' API) sent alternately straight to sales and through the
  gateway's `/api/sales/...` with the same bearer token, one at a time on kept connections: p50/p99 of each and the
  difference; then the proxied calls at 32 in flight: the gateway's CPU per request (from /proc) and the rate.
- Live events: N clients (500) on `/api/events` with bearer tokens (role admin: every notice) while orders are
  placed at a steady rate straight to sales: notices delivered per second (all clients), the delay from the
  event's `at` to its arrival (measured on a sample of the clients, which parse every frame; the others only
  count frames, so the load generator's own CPU stays small), clients dropped, the gateway's memory."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
import uvloop

from servicekit.testing import discover_infra
from tools.bench.__main__ import cpu_seconds, peak_rss_mib
from tools.bench.system import build_catalogue
from tools.chaos import Load
from tools.stack import Process, behind_gateway_processes
from tools.workload import BearerApi

SERVICES = ("sales", "inventory", "finance")
ADMIN_PASSWORD = "bench-admin-pass-2026"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return quantiles(values, n=100, method="inclusive")[q - 1]


async def proxy_figures(gateway: Process, sales: Process, token: str, order_no: str, n: int) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_keepalive_connections=64, max_connections=64)
    async with (
        httpx.AsyncClient(base_url=sales.url, headers=auth, limits=limits, timeout=30) as direct,
        httpx.AsyncClient(base_url=gateway.url, headers=auth, limits=limits, timeout=30) as proxied,
    ):
        paths = (direct, f"/api/v1/orders/{order_no}"), (proxied, f"/api/sales/orders/{order_no}")
        for client, path in paths * 50:  # warm-up: connections, caches, the JWKS fetched
            assert (await client.get(path)).status_code == 200
        times: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(n):
            for i, (client, path) in enumerate(paths):
                t = time.perf_counter()
                r = await client.get(path)
                times[i].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
        # CPU per proxied request, 32 in flight
        assert gateway.proc is not None
        cpu0, t0 = cpu_seconds(gateway.proc.pid), time.perf_counter()
        sem = asyncio.Semaphore(32)

        async def one() -> None:
            async with sem:
                assert (await proxied.get(paths[1][1])).status_code == 200

        await asyncio.gather(*(one() for _ in range(n)))
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds(gateway.proc.pid) - cpu0
    d50, d99, p50, p99 = pct(times[0], 50), pct(times[0], 99), pct(times[1], 50), pct(times[1], 99)
    return {
        "requests_each": n,
        "direct_p50_ms": d50,
        "direct_p99_ms": d99,
        "proxied_p50_ms": p50,
        "proxied_p99_ms": p99,
        "added_p50_ms": p50 - d50,
        "added_p99_ms": p99 - d99,
        "gateway_cpu_ms_per_request_at_32": cpu / n * 1000,
        "proxied_per_second_at_32": n / elapsed,
    }


class SseClient:
    """One /api/events stream on a raw connection; `parse` clients decode each frame's `at` for the delay."""

    def __init__(self, parse: bool) -> None:
        self.parse = parse
        self.frames = 0
        self.delays_ms: list[float] = []
        self.ended = False

    async def run(self, host: str, port: int, token: str, opened: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"GET /api/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        opened.set()
        pending = b""
        try:
            while chunk := await reader.read(65536):
                if not self.parse:
                    self.frames += chunk.count(b"\nevent: change\n")
                    continue
                pending += chunk
                *frames, pending = pending.split(b"\n\n")
                now = datetime.now(UTC)
                for raw in frames:
                    if b"event: change" not in raw:
                        continue
                    self.frames += 1
                    data = raw.split(b"data: ", 1)[1].split(b"\n", 1)[0]
                    at = datetime.fromisoformat(json.loads(data)["at"])
                    self.delays_ms.append((now - at).total_seconds() * 1000)
        finally:
            self.ended = True
            writer.close()


async def sse_figures(
    gateway: Process,
    api: BearerApi,
    token: str,
    catalogue: Any,
    clients: int,
    parsing: int,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    assert gateway.proc is not None
    rss_before = rss_mib(gateway.proc.pid)
    streams = [SseClient(parse=i < parsing) for i in range(clients)]
    tasks = []
    for s in streams:  # opened one after another: a thundering herd is not what is measured
        opened = asyncio.Event()
        tasks.append(asyncio.create_task(s.run("127.0.0.1", gateway.port, token, opened)))
        await asyncio.wait_for(opened.wait(), 10)
    rss_connected = rss_mib(gateway.proc.pid)
    load = Load(api, catalogue.skus, catalogue.customers, rate=rate)
    placing = asyncio.create_task(load.orders())
    await asyncio.sleep(2)  # the flow reaches a steady state
    frames0 = sum(s.frames for s in streams)
    for s in streams:
        s.delays_ms.clear()
    cpu0, t0 = cpu_seconds(gateway.proc.pid), time.perf_counter()
    rss_peak = 0.0
    while time.perf_counter() - t0 < seconds:
        await asyncio.sleep(1)
        rss_peak = max(rss_peak, rss_mib(gateway.proc.pid))
    elapsed = time.perf_counter() - t0
    frames, cpu = sum(s.frames for s in streams) - frames0, cpu_seconds(gateway.proc.pid) - cpu0
    load.stop()
    await placing
    delays = [d for s in streams for d in s.delays_ms]
    dropped = sum(s.ended for s in streams)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "clients": clients,
        "orders_per_second": len(load.acknowledged) / (elapsed + 2),
        "notices_delivered_per_second": frames / elapsed,
        "notices_per_client_per_second": frames / elapsed / clients,
        "delay_p50_ms": pct(delays, 50),
        "delay_p99_ms": pct(delays, 99),
        "delays_sampled": len(delays),
        "clients_dropped": dropped,
        "gateway_cpu_share": cpu / elapsed,
        "gateway_rss_mib_before": rss_before,
        "gateway_rss_mib_connected": rss_connected,
        "gateway_rss_mib_peak": rss_peak,
        "gateway_peak_rss_mib_ever": peak_rss_mib(gateway.proc.pid),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    infra = discover_infra()
    with tempfile.TemporaryDirectory() as tmp:
        async with behind_gateway_processes(
            infra, Path(tmp), services=SERVICES, prefix="benchgw", admin_password=ADMIN_PASSWORD
        ) as (platform, procs):
            gateway, sales = procs["gateway"], procs["sales"]
            async with httpx.AsyncClient(base_url=gateway.url) as c:
                r = await c.post("/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
                assert r.status_code == 200, r.text
                token = r.json()["access_token"]
            api = BearerApi(platform.clients, token)
            catalogue = await build_catalogue(api, skus=20, customers=20)
            order = await api.place_order(catalogue.customers[0], [(catalogue.skus[0], 1, "12.50")])
            proxy = await proxy_figures(gateway, sales, token, order["order_no"], args.requests)
            print("proxy:", json.dumps(proxy), flush=True)
            sse = await sse_figures(gateway, api, token, catalogue, args.clients, args.parsing, args.rate, args.seconds)
            print("live events:", json.dumps(sse), flush=True)
    return {"at": datetime.now(UTC).isoformat(), "cpus": os.cpu_count(), "proxy": proxy, "live_events": sse}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="requests each way for the proxy figures")
    parser.add_argument("--clients", type=int, default=500, help="live-event clients connected")
    parser.add_argument("--parsing", type=int, default=20, help="of which decode every notice (the delay)")
    parser.add_argument("--rate", type=float, default=20, help="orders placed per second during the live events")
    parser.add_argument("--seconds", type=float, default=20, help="how long the live events are measured")
    result = uvloop.run(run(parser.parse_args()))
    p, s = result["proxy"], result["live_events"]
    print(
        f"proxy: added p50 {p['added_p50_ms']:.2f} ms, p99 {p['added_p99_ms']:.2f} ms "
        f"(direct {p['direct_p50_ms']:.2f}/{p['direct_p99_ms']:.2f}, through the gateway "
        f"{p['proxied_p50_ms']:.2f}/{p['proxied_p99_ms']:.2f}); gateway CPU {p['gateway_cpu_ms_per_request_at_32']:.2f}"
        f" ms/request at 32 in flight ({p['proxied_per_second_at_32']:.0f} req/s)\n"
        f"live events: {s['clients']} clients, {s['orders_per_second']:.1f} orders/s: "
        f"{s['notices_delivered_per_second']:.0f} notices/s delivered, delay p50 {s['delay_p50_ms']:.0f} ms, "
        f"p99 {s['delay_p99_ms']:.0f} ms ({s['delays_sampled']} sampled), {s['clients_dropped']} dropped; gateway "
        f"CPU {s['gateway_cpu_share']:.0%} of a core, RSS {s['gateway_rss_mib_before']:.0f} → "
        f"{s['gateway_rss_mib_connected']:.0f} MiB connected, peak {s['gateway_rss_mib_peak']:.0f} MiB"
    )


if __name__ == "__main__":
    main()

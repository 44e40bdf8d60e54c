"""The console benchmark (printed figures, not a timed test): with 100,000 sales orders and 10,000 purchase orders
in the databases (tools/gen_console_data.py), measured in Debian's Chromium through the gateway serving web/dist
(the gateway and the services each a uvicorn process, as `make up` runs them):

- board: navigation to a usable board (its first page of rows rendered), cold (a fresh browser profile: every
  script and the first API answer) and warm (the page again in the same profile);
- filter change: from the click on a filter to the new rows rendered;
- first-load JavaScript per area: the scripts a fresh profile loads to show the area's page, gzipped.

Targets on this machine: board ≤ 1.5 s, filter change ≤ 0.5 s, first load ≤ 500 KB gzipped.

    make bench-console            (the test infrastructure; `make web` first)
    .venv/bin/python -m tools.bench_console --orders 100000 --purchase-orders 10000 --runs 5

Writes bench-results/console-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform as host
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from servicekit.testing import Infra
from tools.gen_console_data import generate
from tools.seed_demo import DEMO_USERS, demo_users, seed
from tools.stack import REPO, SERVICES, behind_gateway_processes
from tools.workload import BearerApi

WEB_DIST = REPO / "web" / "dist"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = {"admin": "admin-pass-2026", "purchaser": "purchaser-pass-2026", "sales": "sales-pass-2026"}
ROW = ".ant-table-tbody tr.ant-table-row"


@dataclass
class Board:
    """A board: where it is, who looks at it, and one filter to change (a control and the request it makes)."""

    name: str
    path: str
    user: str
    api_path: str
    click_filter: Callable[[Page], Awaitable[None]]  # the user's choice of the filter (timed)
    filter_param: str
    open_filter: Callable[[Page], Awaitable[None]] | None = None  # what comes before the choice (untimed)


async def toggle(page: Page, control: str) -> None:
    await page.locator(control).click()


async def open_status(page: Page, label: str) -> None:
    """The status filter's list opened, its option on the screen: the user's reach for the filter, not what the
    system answers (the select's own opening animation is no part of a filter change)."""
    await page.locator("#filter-status").click()
    # a trial click waits until the option could be clicked: visible and no longer moving (the list slides in)
    await page.get_by_title(label).first.click(trial=True)


async def pick_status(page: Page, label: str) -> None:
    await page.get_by_title(label).first.click()


BOARDS = [
    Board("purchase orders", "/purchasing/orders", "purchaser", "/api/purchasing/purchase-orders",
          lambda p: toggle(p, "#filter-red"), "anomalies_only=true"),
    Board("sales orders", "/sales/orders", "sales", "/api/sales/orders",
          lambda p: pick_status(p, "已确认"), "status=confirmed", lambda p: open_status(p, "已确认")),
]  # fmt: skip
AREAS = {
    "approvals": "/approvals",
    "purchasing": "/purchasing/orders",
    "warehouse": "/warehouse/outbound",
    "finance": "/finance/invoices",
    "cases": "/cases",
    "sales": "/sales/orders",
    "dashboard": "/",
}


@dataclass
class Figures:
    board_cold: dict[str, list[float]] = field(default_factory=dict)
    board_warm: dict[str, list[float]] = field(default_factory=dict)
    filter_change: dict[str, list[float]] = field(default_factory=dict)
    # a filter change's parts (before the request, the request as Chromium timed it, after its answer)
    parts: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    first_load_js_gzip: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


async def sign_in(page: Page, user: str) -> None:
    await page.goto("/login")
    await page.get_by_label("用户名").fill(user)
    await page.get_by_label("密码").fill(PASSWORD[user])
    await page.get_by_role("button", name="登 录").or_(page.get_by_role("button", name="登录")).click()
    await page.get_by_test_id("user").wait_for()


async def time_board(page: Page, board: Board) -> float:
    started = time.perf_counter()
    await page.goto(board.path)
    await page.locator(ROW).first.wait_for(timeout=30_000)
    return time.perf_counter() - started


async def request_timing(page: Page, param: str) -> tuple[float, float] | None:
    """The filtered request's start and end (ms, the page's clock) as its Resource Timing has them."""
    found = await page.evaluate(
        """(param) => {
            const found = performance.getEntriesByType("resource").filter((e) => e.name.includes(param));
            const last = found[found.length - 1];
            return last ? [last.startTime, last.responseEnd] : null;
        }""",
        param,
    )
    return (float(found[0]), float(found[1])) if found else None


async def time_filter(page: Page, board: Board, parts: dict[str, list[float]]) -> float:
    """From the user's choice of a filter to the new rows on the screen, in seconds; `parts` gets its three parts
    (the page's work before the request starts, the request, the page's work after its answer)."""
    await page.goto(board.path)
    await page.locator(ROW).first.wait_for(timeout=30_000)
    if board.open_filter is not None:
        await board.open_filter(page)
    clicked = await page.evaluate("performance.now()")
    started = time.perf_counter()
    async with page.expect_response(lambda r: board.api_path in r.url and board.filter_param in r.url):
        await board.click_filter(page)
    # the new rows are on the screen once the table no longer shows the previous page as loading
    await page.wait_for_function("() => !document.querySelector('.ant-table .ant-spin-spinning')", timeout=30_000)
    await page.locator(ROW).first.wait_for(timeout=30_000)
    elapsed = time.perf_counter() - started
    shown = await page.evaluate("performance.now()")
    timing = await request_timing(page, board.filter_param)
    if timing is not None:
        start, end = timing
        parts.setdefault("before the request", []).append((start - clicked) / 1000)
        parts.setdefault("the request", []).append((end - start) / 1000)
        parts.setdefault("after its answer", []).append((shown - end) / 1000)
    return elapsed


async def fresh(browser: Browser, url: str, user: str) -> tuple[Any, Page]:
    context = await browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    await sign_in(page, user)
    await page.wait_for_load_state("networkidle")  # the landing page settled: its requests not in the board's way
    return context, page


def gzipped(path: str) -> int:
    file = WEB_DIST / path.lstrip("/")
    return len(gzip.compress(file.read_bytes(), compresslevel=9)) if file.is_file() else 0


async def first_load(browser: Browser, url: str, path: str) -> int:
    """The scripts a fresh profile loads for sign-in and then `path`, gzipped (as a gzip-serving proxy would)."""
    context = await browser.new_context(base_url=url, locale="zh-CN")
    page = await context.new_page()
    scripts: set[str] = set()
    page.on("response", lambda r: scripts.add(r.url.split(url, 1)[-1]) if r.url.endswith(".js") else None)
    await sign_in(page, "admin")
    await page.goto(path)
    await page.wait_for_load_state("networkidle")
    await context.close()
    return sum(gzipped(s) for s in scripts)


async def measure(url: str, runs: int) -> Figures:
    figures = Figures()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for board in BOARDS:
                cold: list[float] = []
                warm: list[float] = []
                change: list[float] = []
                parts: dict[str, list[float]] = {}
                for _ in range(runs):
                    context, page = await fresh(browser, url, board.user)
                    try:
                        cold.append(await time_board(page, board))
                        warm.append(await time_board(page, board))
                        change.append(await time_filter(page, board, parts))
                    except Exception as exc:  # a board the console does not have yet: say so, measure the rest
                        figures.notes.append(f"{board.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                        break
                    finally:
                        await context.close()
                figures.board_cold[board.name], figures.board_warm[board.name] = cold, warm
                figures.filter_change[board.name], figures.parts[board.name] = change, parts
            for area, path in AREAS.items():
                figures.first_load_js_gzip[area] = await first_load(browser, url, path)
        finally:
            await browser.close()
    return figures


def median_ms(values: list[float]) -> str:
    values = [v for v in values if v == v]  # a request the page's timing did not see (NaN) is left out
    if not values:
        return "n/a"
    low, high = min(values) * 1000, max(values) * 1000
    return f"{statistics.median(values) * 1000:.0f} ms (of {len(values)}: {low:.0f}–{high:.0f})"


def report(figures: Figures, data: dict[str, int], seconds: float) -> dict[str, Any]:
    print(f"\nconsole benchmark on {host.node()} ({os.cpu_count()} CPUs), data: {data} generated in {seconds:.0f} s")
    for name in figures.board_cold:
        cold, warm = median_ms(figures.board_cold[name]), median_ms(figures.board_warm[name])
        print(f"  {name:16} board cold {cold}, warm {warm}, filter change {median_ms(figures.filter_change[name])}")
        for part, values in figures.parts[name].items():
            print(f"  {'':16} filter change: {part} {median_ms(values)}")
    for area, size in figures.first_load_js_gzip.items():
        print(f"  first load of {area:10} {size / 1024:.0f} KB of JavaScript gzipped")
    for note in figures.notes:
        print(f"  note: {note}")
    return {
        "at": datetime.now(UTC).isoformat(),
        "machine": {"node": host.node(), "cpus": os.cpu_count(), "python": host.python_version()},
        "data": data,
        "board_cold_s": figures.board_cold,
        "board_warm_s": figures.board_warm,
        "filter_change_s": figures.filter_change,
        "filter_change_parts_s": figures.parts,
        "load_average": os.getloadavg(),
        "first_load_js_gzip_bytes": figures.first_load_js_gzip,
        "notes": figures.notes,
    }


async def main(orders: int, purchase_orders: int, runs: int) -> None:
    assert (WEB_DIST / "index.html").is_file(), "web/dist has no build: run `make web` first"
    infra = Infra(os.environ["KAFKA_BOOTSTRAP"], os.environ["PG_ADMIN_URL"])
    for prefix in (*SERVICES, "gateway"):  # the figures, not the services' log lines
        os.environ.setdefault(f"{prefix.upper()}_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        async with behind_gateway_processes(
            infra, Path(tmp), prefix="benchconsole", admin_password=DEMO_USERS[0][2],
            gateway_env={"GATEWAY_WEB_DIST": str(WEB_DIST)},
        ) as (platform, procs):  # fmt: skip
            gateway_url = procs["gateway"].url
            async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway:
                token = await demo_users(gateway)
            await seed(BearerApi(platform.clients, token))
            started = time.perf_counter()
            await generate(platform.urls["sales"], platform.urls["purchasing"], orders, purchase_orders, seed=2026)
            seconds = time.perf_counter() - started
            figures = await measure(gateway_url, runs)
    result = report(figures, {"sales_orders": orders, "purchase_orders": purchase_orders}, seconds)
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / f"console-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"  written to {path.relative_to(REPO)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--purchase-orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.purchase_orders, args.runs))

"""The console's benchmark (printed figures, not a timed test): with ORDERS sales orders in the database, the
time from navigating to the sales order board to its first page rendered, and per filter change, measured in
Debian's Chromium; and the first load's JavaScript gzipped. On the tests' infrastructure (make console-bench).

    .venv/bin/python -m tools.console_bench [ORDERS]        (default 100000)"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.testing import discover_infra
from tools.seed_demo import demo_users, seed
from tools.stack import REPO, SERVICES
from tools.workload import BearerApi

sys.path.insert(0, str(REPO / "tests"))  # the end-to-end harness: services behind a gateway, in this process

GENERATE = """
INSERT INTO orders (order_no, customer_code, channel, status, currency, net, tax, gross, priority, allow_backorder,
                    requested_date, payment_terms_days, tracking_token, placed_by, placed_at, updated_at)
SELECT 'SO-BENCH-' || lpad(i::text, 7, '0'),
       (ARRAY['C-HZ-001', 'C-SH-002', 'C-BJ-003'])[1 + i % 3], 'web',
       (ARRAY['confirmed', 'shipped', 'delivered', 'paid', 'closed', 'closed', 'closed', 'rejected', 'backordered',
              'cancelled'])[1 + i % 10],
       'CNY', 100.00, 13.00, 113.00, 5, false,
       CASE WHEN i % 50 = 0 THEN CURRENT_DATE - 3 END, 30, md5(i::text), 'bench',
       now() - (i || ' minutes')::interval, now()
FROM generate_series(1, :n) AS i
"""


async def _run(count: int) -> None:
    from harness import behind_gateway
    from playwright.async_api import async_playwright
    from test_web_bundle import first_load

    infra = discover_infra()
    async with behind_gateway(infra, services=SERVICES, web_dist=REPO / "web" / "dist") as platform:
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as gateway:
            await seed(BearerApi(platform.clients, await demo_users(gateway)))
        engine = create_async_engine(platform.urls["sales"])
        started = time.monotonic()
        async with engine.begin() as c:
            await c.execute(text(GENERATE), {"n": count})
            await c.execute(text("ANALYZE orders"))
        await engine.dispose()
        print(f"{count} orders generated in {time.monotonic() - started:.1f} s")
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = await (await browser.new_context(base_url=platform.gateway_url)).new_page()
            await page.goto("/login")
            await page.get_by_label("用户名").fill("sales")
            await page.get_by_label("密码").fill("sales-pass-2026")
            await page.get_by_role("button", name="登 录").click()
            await page.get_by_test_id("user").wait_for()
            for url in (
                "/api/sales/orders?limit=26",
                "/api/sales/orders?limit=26&status=rejected",
                "/api/sales/orders?limit=26&stuck_or_late=true",
                "/api/sales/orders/status-counts",
            ):
                t0 = time.monotonic()
                answer = await page.request.get(url)
                print(f"  {url}: {answer.status} in {time.monotonic() - t0:.3f} s")
            board, changes = [], []
            for _ in range(5):
                t0 = time.monotonic()
                await page.goto("/sales/orders")
                await page.locator("tr.ant-table-row").first.wait_for()
                board.append(time.monotonic() - t0)
                for query in ("status=closed", "status=rejected", "stuck_or_late=true", "customer_code=C-SH-002"):
                    t0 = time.monotonic()
                    await page.evaluate(f"() => {{ history.pushState(null, '', '/sales/orders?{query}'); "
                                        "dispatchEvent(new PopStateEvent('popstate')); }")  # fmt: skip
                    await page.wait_for_url(f"**/sales/orders?{query}")
                    await page.locator("tr.ant-table-row").first.wait_for()
                    await page.wait_for_function("() => !document.querySelector('.ant-spin-spinning')")
                    changes.append(time.monotonic() - t0)
            await browser.close()
    gz = sum(first_load().values())
    print(f"board first page rendered: median {statistics.median(board):.2f} s, max {max(board):.2f} s (target 1.5 s)")
    print(f"filter change: median {statistics.median(changes):.2f} s, max {max(changes):.2f} s (target 0.5 s)")
    print(f"first load JavaScript + CSS gzipped: {gz / 1024:.0f} KB (target 500 KB)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    assert (Path(REPO) / "web" / "dist" / "index.html").is_file(), "build the console first: make web"
    asyncio.run(_run(count))


if __name__ == "__main__":
    main()

"""The browser tests' one stack (package scoped: torn down after the last browser test, so its real inventory
and finance never answer the commands of later suites that play those services themselves): the five services
and the gateway on the real test Kafka and PostgreSQL, in this event loop, the gateway serving the built console
(web/dist, `make web`), the demo users
and data of tools/seed_demo; and Debian's Chromium driven by Playwright (never `playwright install`).

Every page a test opens fails the test on a console error or an uncaught exception; `shot(page, name)` (in
browser.support) saves a screenshot into artefacts/screenshots/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from e2e_support import isolate_numbers
from harness import behind_gateway
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from browser.support import CHROMIUM, WEB_DIST, Console, Stack
from servicekit.testing import Infra
from tools.seed_demo import demo_users, seed
from tools.stack import SERVICES
from tools.workload import BearerApi


@pytest.fixture(scope="package")
async def stack(infra: Infra) -> AsyncIterator[Stack]:
    assert (WEB_DIST / "index.html").is_file(), f"{WEB_DIST} has no build: run `make web` (make test does)"
    async with behind_gateway(infra, services=SERVICES, web_dist=WEB_DIST) as platform:
        await asyncio.wait_for(platform.gateway_app.state.gateway.hub.ready.wait(), timeout=30)
        await isolate_numbers(platform)
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as gateway:
            token = await demo_users(gateway)
        api = BearerApi(platform.clients, token)
        await seed(api)
        yield Stack(platform, platform.gateway_url, api)


@pytest.fixture(scope="package")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="package")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium (make test does)"
    b = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield b
    await b.close()


@pytest.fixture
async def console() -> AsyncIterator[Console]:
    watched = Console()
    yield watched
    unexpected = watched.unexpected()
    assert not unexpected, "the browser's console had errors:\n" + "\n".join(unexpected)


@pytest.fixture
async def context(browser: Browser, stack: Stack) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies, zh-CN, no saved language) per test."""
    ctx = await browser.new_context(base_url=stack.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                    viewport={"width": 1440, "height": 900})  # fmt: skip
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext, console: Console) -> Page:
    return console.watch(await context.new_page())

"""What the browser tests share: the stack they run on, the demo users' passwords, signing in, screenshots and
the console-error watch (fixtures in conftest.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness import GatewayPlatform
from playwright.async_api import ConsoleMessage, Page

from tools.stack import REPO
from tools.workload import BearerApi

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
WEB_DIST = REPO / "web" / "dist"
SCREENSHOTS = REPO / "artefacts" / "screenshots"
PASSWORDS = {"admin": "admin-pass-2026", "sales": "sales-pass-2026", "sales_manager": "sales-manager-pass-2026",
             "warehouse": "warehouse-pass-2026", "finance": "finance-pass-2026", "purchaser": "purchaser-pass-2026",
             "purchasing_manager": "purchasing-manager-pass-2026", "finance_manager": "finance-manager-pass-2026",
             "auditor": "auditor-pass-2026"}  # fmt: skip


@dataclass
class Stack:
    platform: GatewayPlatform
    url: str
    api: BearerApi  # admin's token, straight to the services


@dataclass
class Console:
    """What the pages of a test wrote to the browser's console as errors, and the exceptions they threw."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, text: str) -> None:
        """A test that provokes an error on purpose (a 409 shown to the user) names it here."""
        self.allowed.append(text)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def watch(self, page: Page) -> Page:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"{page.url}: console.error: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught: {exc}"))
        return page


async def sign_in(page: Page, username: str, password: str | None = None, *, next_path: str = "/") -> None:
    await page.goto(f"/login?next={next_path}")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password or PASSWORDS[username])
    await page.get_by_role("button", name="登 录").or_(page.get_by_role("button", name="登录")).click()
    await page.get_by_test_id("user").wait_for()


async def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("() => document.fonts.ready.then(() => true)")
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path

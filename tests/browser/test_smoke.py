"""The browser and the driver agree (one plain page, no stack), and the console's shell works: sign in, the
menu of the user's roles, sign out; no console error."""

from __future__ import annotations

import json
from pathlib import Path

import playwright
import pytest
from playwright.async_api import Page, Playwright

from browser.support import CHROMIUM, Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _expected_chromium() -> str:
    """The Chromium version this Playwright was built against (its driver's browsers.json)."""
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    entries = json.loads(browsers.read_text())["browsers"]
    return next((b.get("browserVersion", "?") for b in entries if b["name"] == "chromium"), "?")


async def test_the_browser_and_its_driver_agree(playwright: Playwright) -> None:
    try:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    except Exception as exc:
        pytest.fail(
            f"Playwright cannot drive {CHROMIUM}: {exc}\n(this Playwright was built for Chromium "
            f"{_expected_chromium()}; pin a Playwright whose Chromium is near Debian's `chromium --version`)"
        )
    try:
        page = await browser.new_page()
        await page.set_content("<main><h1 id='t'>采销订单</h1></main>")
        assert await page.locator("#t").inner_text() == "采销订单"
        assert await page.evaluate("() => 40 + 2") == 42
    finally:
        await browser.close()


async def test_sign_in_shows_the_menu_of_my_roles_and_sign_out_ends_the_session(page: Page, stack: Stack) -> None:
    await page.goto("/")
    await page.wait_for_url("**/login?next=*")
    await page.get_by_label("用户名").wait_for()
    await shot(page, "login")
    await sign_in(page, "sales")
    menu = page.get_by_test_id("menu")
    await menu.get_by_text("销售订单").wait_for()
    assert await menu.get_by_text("财务").count() == 0
    await shot(page, "dashboard-sales")
    await page.get_by_test_id("user").hover()
    await page.get_by_text("退出登录").click()
    await page.wait_for_url("**/login*")
    await page.goto("/sales/orders")
    await page.wait_for_url("**/login?next=*")

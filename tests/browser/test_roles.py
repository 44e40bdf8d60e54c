"""Menus follow the user's roles, and the server stays the authority: a `warehouse` user sees no finance menu,
gets the 403 page on a direct link, and the gateway's proxy answers finance's API with 403."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_warehouse_sees_no_finance_menu_and_the_server_refuses_finance(page: Page, stack: Stack) -> None:
    await sign_in(page, "warehouse")
    menu = page.get_by_test_id("menu")
    await menu.get_by_text("仓库").wait_for()
    assert await menu.get_by_text("财务").count() == 0
    assert await menu.get_by_text("用户与角色").count() == 0
    await page.goto("/finance")
    await page.get_by_text("您的角色无权访问此页面").wait_for()
    await shot(page, "forbidden")
    answer = await page.request.get("/api/finance/invoices")
    assert answer.status == 403, await answer.text()


async def test_finance_sees_the_finance_menu(page: Page, stack: Stack) -> None:
    await sign_in(page, "finance")
    await page.get_by_test_id("menu").get_by_text("财务").wait_for()
    answer = await page.request.get("/api/finance/invoices")
    assert answer.status == 200, await answer.text()

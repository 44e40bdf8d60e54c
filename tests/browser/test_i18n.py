"""Switching to English: the shell, the menu and the pages follow, and the choice is remembered after a reload
and a new sign-in."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_switching_to_english_is_remembered(page: Page, stack: Stack) -> None:
    await sign_in(page, "sales")
    await page.get_by_test_id("language").click()
    await page.locator(".ant-select-item-option", has_text="English").click()
    menu = page.get_by_test_id("menu")
    await expect(menu).to_contain_text("Sales orders")
    await menu.get_by_text("Sales orders").click()
    await page.get_by_role("heading", name="Sales order board").wait_for()
    assert await page.evaluate("() => document.documentElement.lang") == "en"
    await page.reload()
    await page.get_by_role("heading", name="Sales order board").wait_for()
    await expect(page.get_by_role("button", name="New order")).to_be_visible()
    await shot(page, "sales-board-en")
    await page.get_by_test_id("user").hover()
    await page.get_by_text("Sign out").click()
    await page.get_by_label("Username").wait_for()  # the sign-in page in English too

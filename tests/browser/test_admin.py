"""Users and roles (admin): the list from the gateway, a new user (the server's field error next to its field
first), its roles; a signed-in non-admin has no such menu and the API refuses it."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from browser.support import Console, Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_admin_creates_a_user_with_roles(page: Page, stack: Stack, console: Console) -> None:
    await sign_in(page, "admin")
    await page.get_by_test_id("menu").get_by_text("用户与角色").click()
    await expect(page.locator("tr.ant-table-row", has_text="张销售")).to_be_visible()
    await shot(page, "admin-users")
    username = f"clerk-{uuid.uuid4().hex[:6]}"
    await page.get_by_role("button", name="新建用户").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("用户名").fill(username)
    await dialog.get_by_label("姓名").fill("新仓管")
    await dialog.get_by_label("角色").click()
    await page.locator(".ant-select-item-option", has_text="仓管").click()
    console.allow("status of 422")
    await dialog.get_by_label("初始密码").fill("short")
    await dialog.get_by_role("button", name="保 存").or_(dialog.get_by_role("button", name="保存")).click()
    await expect(dialog.locator(".ant-form-item-explain-error")).to_be_visible()  # the server's reason, at the field
    await dialog.get_by_label("初始密码").fill("a-much-longer-pass-2026")
    await dialog.get_by_role("button", name="保 存").or_(dialog.get_by_role("button", name="保存")).click()
    row = page.locator("tr.ant-table-row", has_text=username)
    await expect(row).to_contain_text("仓管")


async def test_a_sales_user_has_no_user_administration(page: Page, stack: Stack) -> None:
    await sign_in(page, "sales")
    assert await page.get_by_test_id("menu").get_by_text("用户与角色").count() == 0
    answer = await page.request.get("/api/gateway/users")
    assert answer.status == 403, await answer.text()

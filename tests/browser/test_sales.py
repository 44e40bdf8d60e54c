"""Sales in the browser: sign in as sales, place an order with the form (customer and sku search, available
stock, server totals), open it, and watch orders reach 已确认 on the board without a reload; a credit refusal
shows red with its reason; the kanban."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def _choose(page: Page, field: str, text: str, option: str) -> None:
    box = page.get_by_label(field, exact=True).first
    await box.click()
    await box.fill(text)
    await page.locator(".ant-select-item-option", has_text=option).first.click()


async def _place_in_background(page: Page, customer: str, qty: str, price: str) -> str:
    """An order placed by this browser's session through the gateway (as another tab would), not by the page."""
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    body = {"customer_code": customer, "channel": "web", "external_ref": f"BR-{uuid.uuid4().hex[:8]}",
            "lines": [{"sku": "SKU-CUP-001", "qty": qty, "unit_price": price, "tax_rate": "0.13"}]}  # fmt: skip
    origin = page.url.split("/", 3)
    answer = await page.request.post(
        "/api/sales/orders", data=body,
        headers={"X-CSRF-Token": cookies["ot_csrf"], "Origin": f"{origin[0]}//{origin[2]}"},
    )  # fmt: skip
    assert answer.status == 201, await answer.text()
    return str((await answer.json())["order_no"])


async def test_place_an_order_and_watch_the_board_confirm_it_without_reload(page: Page, stack: Stack) -> None:
    await sign_in(page, "sales")
    await page.get_by_test_id("menu").get_by_text("销售订单").click()
    await page.get_by_role("heading", name="销售订单看板").wait_for()
    await page.evaluate("() => { window.__stillTheSamePage = true; }")

    await page.get_by_role("button", name="新建订单").click()
    await page.get_by_role("heading", name="新建销售订单").or_(page.get_by_text("新建销售订单")).first.wait_for()
    await _choose(page, "客户", "茗香", "C-HZ-001")
    await _choose(page, "商品", "龙井", "SKU-TEA-001")
    await page.get_by_label("数量 1").fill("2")
    await page.get_by_label("单价 1").fill("88.00")
    await expect(page.get_by_test_id("available")).to_contain_text("WH-SH")
    totals = page.get_by_test_id("totals")
    await expect(totals).to_contain_text("¥198.88")  # 176.00 + 13 % tax, as the server priced it
    await shot(page, "sales-new-order")
    await page.get_by_role("button", name="提交订单").click()
    number = page.get_by_test_id("document-number")
    await number.wait_for()
    order_no = (await number.inner_text()).strip()
    assert re.match(r"^SO-\d{4}-\d+", order_no), order_no
    await expect(page.locator(".ot-document")).to_contain_text("已确认", timeout=20_000)
    await expect(page.get_by_test_id("progress").first).to_have_attribute(
        "data-current", "shipped"
    )  # the outbound order exists: 出库 done
    await shot(page, "sales-order")

    await page.get_by_test_id("menu").get_by_text("销售订单").click()
    row = page.locator("tr", has_text=order_no)
    await expect(row).to_contain_text("已确认")

    # Orders placed elsewhere while the board is open: they appear and move on without a reload.
    live = await _place_in_background(page, "C-HZ-001", "3", "20.00")
    live_row = page.locator("tr", has_text=live)
    await expect(live_row).to_contain_text("已确认", timeout=20_000)
    refused = await _place_in_background(page, "C-BJ-003", "100", "20.00")  # over its 500.00 credit limit
    refused_row = page.locator("tr", has_text=refused)
    await expect(refused_row).to_contain_text("已拒绝", timeout=20_000)
    await expect(refused_row).to_contain_text("超出信用额度")
    await expect(refused_row).to_have_class(re.compile("ot-row-danger"))
    assert await page.evaluate("() => window.__stillTheSamePage === true"), "the board was reloaded"
    await shot(page, "sales-board")

    await page.get_by_text("看板", exact=True).click()
    await page.get_by_test_id("kanban").wait_for()
    await expect(page.locator("[data-status=confirmed]").first).to_contain_text(live)
    await shot(page, "sales-kanban")


async def test_cancel_an_order_with_a_reason_from_its_page(page: Page, stack: Stack) -> None:
    await sign_in(page, "sales")
    order_no = await _place_in_background(page, "C-SH-002", "1", "12.00")
    await page.goto(f"/sales/orders/{order_no}")
    await expect(page.locator(".ot-document")).to_contain_text("已确认", timeout=20_000)
    await page.get_by_role("button", name="取消订单").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("原因").fill("客户电话取消")
    await dialog.get_by_role("button", name="确 定").or_(dialog.get_by_role("button", name="确定")).click()
    await expect(page.locator(".ot-document-head")).to_contain_text("已取消", timeout=20_000)
    await expect(page.locator(".ot-document")).to_contain_text("客户电话取消")
    await expect(page.get_by_role("button", name="取消订单")).to_have_count(0)

"""The customer's tracking page: public (no sign-in), on a 360 px wide phone; the progress with the current
step, the status; a wrong token reads like an unknown order."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from browser.support import Console, Stack, shot
from servicekit.testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_the_tracking_page_on_a_phone(browser: Browser, stack: Stack, console: Console) -> None:
    order = await stack.api.call("sales", "POST", "/orders", ["sales"], json={
        "customer_code": "C-HZ-001", "channel": "wechat",
        "lines": [{"sku": "SKU-TEA-002", "qty": "1", "unit_price": "120.00", "tax_rate": "0.13"}],
    })  # fmt: skip
    no, token = order["order_no"], order["tracking_token"]

    async def status() -> str:
        return str((await stack.api.call("sales", "GET", f"/orders/{no}", ["sales"]))["status"])

    await eventually(status, lambda s: s == "confirmed", timeout=20)
    phone = await browser.new_context(base_url=stack.url, locale="zh-CN", viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True)  # fmt: skip
    try:
        page = console.watch(await phone.new_page())
        await page.goto(f"/track/{no}?token={token}")
        await expect(page.get_by_test_id("track-order")).to_have_text(no)
        await expect(page.get_by_test_id("track-status")).to_have_text("已确认，准备出库")
        await expect(page.get_by_test_id("progress")).to_have_attribute("data-current", "shipped")
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"the page is {width} px wide on a 360 px phone"
        await shot(page, "tracking-mobile")
        console.allow("status of 404")
        await page.goto(f"/track/{no}?token=wrong-token")
        await page.get_by_text("未找到该订单").wait_for()
    finally:
        await phone.close()

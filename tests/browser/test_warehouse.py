"""Warehouse pages in Chromium: goods receipt by scanning (over the tolerance a purchasing manager approves);
pick and pack by scanning (an unknown barcode answers red), ship with a carrier and a tracking number, and the
order's progress bar (the customer's tracking page) reaches 发货; the scanning page at 360 px wide."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.flows import TEA_BARCODE, confirmed_order, known_to_inventory, sent_purchase_order
from browser.support import Console, Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def scan(page: Page, code: str) -> None:
    field = page.get_by_test_id("scan-input")
    await expect(field).to_be_focused()
    await field.press_sequentially(code)  # a scanner types the code, then Enter
    await field.press("Enter")


async def test_pick_by_scanning_and_ship_reaches_shipped(page: Page, stack: Stack, console: Console) -> None:
    order, outbound = await confirmed_order(stack, qty=2)
    console.allow("422")  # the unknown barcode below: the browser logs the refused request
    await sign_in(page, "warehouse")
    await page.goto(f"/warehouse/outbound/{outbound['do_no']}")
    result = page.get_by_test_id("scan-result")
    await scan(page, "0000000000000")
    await expect(result).to_have_attribute("data-ok", "false")
    await expect(result).to_contain_text("0000000000000")
    await shot(page, "warehouse-pick-unknown-barcode")
    await scan(page, TEA_BARCODE)
    await scan(page, TEA_BARCODE)
    await expect(result).to_have_attribute("data-count", "3")
    await page.get_by_test_id("carrier").wait_for()  # packed: the shipping form
    await shot(page, "warehouse-pick-packed")
    await page.get_by_test_id("carrier").fill("顺丰速运")
    await page.get_by_test_id("tracking-no").fill("SF1029384756")
    await page.get_by_test_id("ship").click()
    await expect(page.get_by_text("已发货：顺丰速运 SF1029384756")).to_be_visible(timeout=20_000)
    await shot(page, "warehouse-shipped")
    await page.goto(f"/track/{order['order_no']}?token={order['tracking_token']}")
    progress = page.get_by_test_id("progress")
    await expect(progress).to_have_attribute("data-current", "delivered", timeout=20_000)  # 发货 done, 签收 next
    await shot(page, "warehouse-order-progress-shipped")


async def test_the_outbound_queue_and_scanning_at_360_px(page: Page, stack: Stack) -> None:
    _, outbound = await confirmed_order(stack, qty=1)
    await page.set_viewport_size({"width": 360, "height": 740})
    await sign_in(page, "warehouse")
    await page.goto("/warehouse")
    await page.get_by_test_id("tile-outbound").click()
    await page.get_by_role("link", name=outbound["do_no"]).wait_for()
    await shot(page, "warehouse-outbound-queue-360")
    await page.get_by_role("link", name=outbound["do_no"]).click()
    await expect(page.get_by_test_id("scan-input")).to_be_focused()
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the scanning page is {width} px wide at 360"
    await shot(page, "warehouse-pick-360")


async def test_receipt_by_scanning_over_tolerance_needs_a_manager(page: Page, stack: Stack, console: Console) -> None:
    po = await sent_purchase_order(stack, "10")  # 5 % tolerance: 10.5 at most
    await known_to_inventory(stack, po["po_no"])
    console.allow("422")  # the unknown barcode
    console.allow("409")  # over tolerance
    await sign_in(page, "warehouse")
    await page.goto("/warehouse/receive")
    await scan(page, po["po_no"])
    await page.get_by_test_id("start-receipt").click()
    await page.wait_for_url("**/warehouse/receipts/GRN-*")
    grn_no = page.url.rsplit("/", 1)[1]
    result = page.get_by_test_id("scan-result")
    await scan(page, "6999999999999")
    await expect(result).to_have_attribute("data-ok", "false")
    for _ in range(11):  # as fast as a scanner: the scans queue up, none is lost
        await scan(page, TEA_BARCODE)
    await expect(result).to_have_attribute("data-count", "12")
    await expect(result).to_have_attribute("data-ok", "true")
    received = page.locator("tbody tr.ant-table-row").first.locator("td").nth(2)
    await expect(received).to_have_text("11")
    await shot(page, "warehouse-receipt-scanned")
    await page.get_by_test_id("post-receipt").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text(grn_no)  # ask a purchasing manager to approve this receipt
    assert await page.get_by_test_id("manager-override").count() == 0
    await shot(page, "warehouse-receipt-over-tolerance")
    await page.context.clear_cookies()
    await sign_in(page, "purchasing_manager", next_path=f"/warehouse/receipts/{grn_no}")
    await page.goto(f"/warehouse/receipts/{grn_no}")
    await page.get_by_test_id("post-receipt").click()
    await page.get_by_test_id("manager-override").click()
    await expect(page.get_by_text("已入库，库存已增加")).to_be_visible()
    await shot(page, "warehouse-receipt-posted-by-manager")

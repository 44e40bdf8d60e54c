"""The dashboard: today's orders, late or stuck ones, anomalies, cases by SLA and approvals, each tile a link
to the filtered list; a warehouse user gets only what its roles may read (and no console error: no 403)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from browser.support import Stack, shot, sign_in
from servicekit.testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_the_dashboard_links_to_the_filtered_board(page: Page, stack: Stack) -> None:
    order = await stack.api.call("sales", "POST", "/orders", ["sales"], json={
        "customer_code": "C-SH-002", "channel": "phone",
        "lines": [{"sku": "SKU-CUP-001", "qty": "1", "unit_price": "15.00", "tax_rate": "0.13"}],
    })  # fmt: skip

    async def told() -> list[dict[str, Any]]:  # the customer is told it is confirmed: a notice, not an anomaly
        params = {"subject_id": order["order_no"]}
        found: list[dict[str, Any]] = await stack.api.call("notifier", "GET", "/alerts", ["admin"], params=params)
        return found

    assert {a["severity"] for a in await eventually(told, timeout=30)} == {"info"}
    await sign_in(page, "admin")
    tile = page.get_by_role("link", name="今日下单")
    await tile.wait_for()
    await expect(tile).not_to_contain_text(" 0", timeout=10_000)
    await page.get_by_text("待我审批").wait_for()
    await page.get_by_text("临近或超过时限的异常工单").wait_for()
    anomalies = page.locator(".ant-card").filter(has_text="未处理的异常预警")
    await anomalies.locator(".ant-list-item, .ant-empty").first.wait_for()  # loaded
    await expect(anomalies).not_to_contain_text(order["order_no"])  # the anomalies only (warning and up)
    await shot(page, "dashboard")
    await tile.click()
    await page.wait_for_url("**/sales/orders?placed_after=*")
    await page.get_by_role("heading", name="销售订单看板").wait_for()
    await expect(page.locator("tbody tr.ant-table-row").first).to_contain_text("SO-")


async def test_a_warehouse_user_sees_only_what_it_may_read(page: Page, stack: Stack) -> None:
    await sign_in(page, "warehouse")
    await page.get_by_text("未处理的异常预警").wait_for()
    assert await page.get_by_text("今日订单").count() == 0
    assert await page.get_by_text("待我审批").count() == 0

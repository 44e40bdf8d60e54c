"""Purchasing pages in Chromium: an overdue purchase order shows red on its board (and its page); an approval
approved from the inbox leaves it and reaches the requisition's chain."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.flows import as_user, make_overdue, requisition, sent_purchase_order
from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_an_overdue_purchase_order_is_red_on_its_board(page: Page, stack: Stack) -> None:
    po = await sent_purchase_order(stack)
    await make_overdue(stack, po["po_no"])
    await sign_in(page, "purchaser")
    await page.goto("/purchasing/orders?anomaly=overdue")
    row = page.locator("tr", has=page.get_by_role("link", name=po["po_no"]))
    await row.wait_for()
    assert "ot-row-danger" in (await row.get_attribute("class") or "")
    await expect(row.locator('[data-anomaly="overdue"]')).to_be_visible()
    await expect(row.get_by_test_id("line-progress")).to_be_visible()
    await shot(page, "purchasing-board-overdue")
    await row.get_by_role("link", name=po["po_no"]).click()
    await expect(page.get_by_test_id("document-number")).to_have_text(po["po_no"])
    await expect(page.locator('[data-anomaly="overdue"]').first).to_be_visible()
    await shot(page, "purchasing-order-page")


async def test_an_approval_approved_from_the_inbox(page: Page, stack: Stack) -> None:
    pr = await requisition(stack, "400", est="60.00")  # 24,000: the purchasing manager's level
    assert pr["status"] == "submitted", pr
    await sign_in(page, "purchasing_manager")
    await page.goto("/approvals")
    await page.get_by_test_id(f"approve-{pr['pr_no']}").click()
    await page.get_by_label("审批意见").fill("同意，按计划采购")
    await page.locator("#confirm-decision").click()
    await expect(page.get_by_test_id(f"approve-{pr['pr_no']}")).to_have_count(0)
    await shot(page, "approvals-inbox-after")
    manager = await as_user(stack, "purchasing_manager")
    after = await manager.call("purchasing", "GET", f"/requisitions/{pr['pr_no']}", ["purchasing_manager"])
    [decision] = after["approval"]["decisions"]
    assert (decision["decision"], decision["decided_by"], decision["comment"]) == (
        "approved",
        "purchasing_manager",
        "同意，按计划采购",
    )
    await page.goto(f"/purchasing/requisitions/{pr['pr_no']}")
    await expect(page.get_by_text("同意，按计划采购").first).to_be_visible()
    await shot(page, "purchasing-requisition-page")

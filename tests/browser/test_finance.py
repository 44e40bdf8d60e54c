"""Finance pages in Chromium: a bill on hold shows its three-way mismatch line by line (the invoice price red)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.flows import bill_on_hold
from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_a_bill_on_hold_shows_its_mismatch(page: Page, stack: Stack) -> None:
    bill = await bill_on_hold(stack)
    await sign_in(page, "finance")
    await page.goto("/finance/bills?status=on_hold")
    row = page.locator("tr", has=page.get_by_role("link", name=bill["bill_no"]))
    await row.wait_for()
    assert "ot-row-danger" in (await row.get_attribute("class") or "")
    await shot(page, "finance-bills-on-hold")
    await row.get_by_role("link", name=bill["bill_no"]).click()
    match = page.get_by_test_id("three-way-match")
    await expect(match).to_be_visible()
    line = match.locator("tbody tr.ant-table-row").first
    assert "ot-row-danger" in (await line.get_attribute("class") or "")
    await expect(line.locator(".fin-mismatch").first).to_contain_text(bill["invoice_price"])
    await expect(line.get_by_text("价格不符")).to_be_visible()
    await shot(page, "finance-bill-mismatch")

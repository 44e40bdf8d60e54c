"""Finance pages in Chromium: a bill on hold shows its three-way mismatch line by line (the invoice price red); a
supplier payment recorded and allocated to its bill (a refused overpayment reads in Chinese first)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.flows import as_user, bill_on_hold, open_bill
from browser.support import Console, Stack, shot, sign_in

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


async def test_a_supplier_payment_is_allocated_to_its_bill(page: Page, stack: Stack, console: Console) -> None:
    bill = await open_bill(stack)
    console.allow("409")  # the overpayment below: the browser logs the refused request
    await sign_in(page, "finance")
    await page.goto("/finance")
    await page.get_by_test_id("finance-supplierPayments").click()
    await page.get_by_label("供应商", exact=True).fill(bill["supplier_code"])
    await page.get_by_label("供应商", exact=True).press("Enter")
    documents = page.get_by_test_id("open-documents")
    await documents.locator("tr", has_text=bill["bill_no"]).wait_for()
    amount = page.get_by_label("金额", exact=True)
    await amount.fill("99999999.00")
    await page.get_by_test_id("record-payment").click()
    # The server's 409 `overpayment` in the user's language; its English detail beneath.
    await expect(page.get_by_test_id("error-title")).to_have_text("付款金额超过应付余额")
    await shot(page, "finance-supplier-payment-refused")
    await amount.fill(bill["outstanding"])
    await page.get_by_label(f"本次核销 {bill['bill_no']}").fill(bill["outstanding"])
    await page.get_by_test_id("record-payment").click()
    recorded = page.get_by_test_id("payment-recorded")
    await expect(recorded).to_contain_text("已登记付款 PAY-")
    payment_no = (await recorded.inner_text()).split()[-1]
    await expect(documents.locator("tr", has_text=bill["bill_no"])).to_have_count(0)  # paid: no longer open
    await expect(page.get_by_test_id("recent-payments")).to_contain_text(payment_no)
    await shot(page, "finance-supplier-payment")
    fin = await as_user(stack, "finance")
    paid = await fin.call("finance", "GET", f"/bills/{bill['bill_no']}", ["finance"])
    assert (paid["status"], paid["payments"]) == ("paid", [{"payment_no": payment_no, "amount": bill["outstanding"]}])

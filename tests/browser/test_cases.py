"""Exception cases in Chromium: anomalies raised while the inbox is open reach its unread badge and its list
without a reload (the gateway's live notices); the case queue is ordered by the time left on the SLA, a breached
case first and red."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from browser.flows import as_user, breach_sla, cases_of, received_purchase_order, sla_job_held
from browser.support import Stack, shot, sign_in
from servicekit.testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_anomalies_reach_the_inbox_badge_live_and_the_queue_by_sla(page: Page, stack: Stack) -> None:
    await sign_in(page, "warehouse")  # over-receipts and quality rejections alert the warehouse (and the buyer)
    await page.goto("/inbox")
    await expect(page.get_by_test_id("live")).to_have_attribute("data-connected", "true")
    badge = page.get_by_test_id("badge-inbox")
    clerk = await as_user(stack, "warehouse")

    async def shown_and_counted() -> tuple[str | None, str]:
        counted = await clerk.call("notifier", "GET", "/inbox/unread-count", ["warehouse"])
        return await badge.get_attribute("data-count"), str(counted["unread"])

    await eventually(shown_and_counted, lambda pair: pair[0] == pair[1])  # the badge shows the server's count
    before = int(await badge.get_attribute("data-count") or 0)

    # 12 of 10 received (over the 5 % tolerance, the manager posts it), 1 of them rejected: two anomalies.
    po = await received_purchase_order(stack, "12", rejected="1", override=True)
    await expect(page.get_by_text(f"采购异常：质检拒收 {po['po_no']}").first).to_be_visible(timeout=30_000)
    await expect(page.get_by_text(f"采购异常：超收 {po['po_no']}").first).to_be_visible()
    after = int(await badge.get_attribute("data-count") or 0)
    assert after >= before + 2, (before, after)
    await expect(badge.locator(".ant-badge")).to_be_visible()
    await shot(page, "cases-inbox-live-badge")

    found = await cases_of(stack, po["po_no"], {"quality_rejection", "over_receipt"})
    breached, waiting = found["quality_rejection"], found["over_receipt"]  # SLAs of 48 h and 24 h
    async with sla_job_held(stack):
        await breach_sla(stack, breached["case_no"])
        await page.goto("/cases")
        rows = page.locator("tbody tr.ant-table-row")
        await expect(rows.first).to_contain_text(breached["case_no"])
        assert "ot-row-danger" in (await rows.first.get_attribute("class") or "")
        await expect(rows.first.locator('[data-sla="breached"]')).to_contain_text("已超时 2 小时")
        numbers = [await r.get_by_role("link").first.inner_text() for r in await rows.all()]
        assert numbers.index(breached["case_no"]) < numbers.index(waiting["case_no"]), numbers
        other = rows.nth(numbers.index(waiting["case_no"]))
        assert "ot-row-danger" not in (await other.get_attribute("class") or "")
        await expect(other.locator('[data-sla="open"]')).to_contain_text("剩余")
        await shot(page, "cases-queue-by-sla")

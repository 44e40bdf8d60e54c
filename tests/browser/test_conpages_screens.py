"""Every page of approvals, purchasing, warehouse, finance and cases opens without a console error, in Chinese
and in English, and is screenshotted (artefacts/screenshots/)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from browser.support import Stack, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

PAGES = {
    "approvals-inbox": "/approvals",
    "purchasing-board": "/purchasing/orders",
    "purchasing-requisitions": "/purchasing/requisitions",
    "warehouse-hub": "/warehouse",
    "warehouse-receive": "/warehouse/receive",
    "warehouse-outbound": "/warehouse/outbound",
    "warehouse-stock": "/warehouse/stock",
    "warehouse-stocktake": "/warehouse/stocktakes",
    "finance-hub": "/finance",
    "finance-invoices": "/finance/invoices",
    "finance-payments": "/finance/payments",
    "finance-bills": "/finance/bills",
    "finance-statements": "/finance/statements",
    "finance-ageing": "/finance/ageing",
    "finance-trial-balance": "/finance/trial-balance",
    "cases-queue": "/cases",
    "cases-inbox": "/inbox",
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_every_page_opens_cleanly(page: Page, stack: Stack, language: str) -> None:
    await sign_in(page, "admin")
    if language == "en":
        await page.evaluate("() => localStorage.setItem('ot.language', 'en')")
    for name, path in PAGES.items():
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
        await page.locator(".ant-card").first.wait_for()
        await shot(page, f"{name}-{language}")

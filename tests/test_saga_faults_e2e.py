"""The saga under faults, with the services as separate processes: a service killed mid-saga, and a service
that stops answering past the saga's deadline."""

from __future__ import annotations

import asyncio
import signal
from decimal import Decimal
from pathlib import Path

import pytest
from e2e_support import api, assert_invariants, customer, product_with_stock, quiet, stock_of

from servicekit.testing import Infra, eventually
from tools.stack import as_processes

pytestmark = pytest.mark.integration
SAGA_DONE = {"confirmed", "rejected"}


async def test_inventory_killed_mid_saga_every_saga_still_reaches_a_terminal_state(
    infra: Infra, tmp_path: Path
) -> None:
    async with as_processes(infra, tmp_path) as (platform, procs):
        a = api(platform)
        await a.warehouse()
        sku = await product_with_stock(a, 15)
        cust = await customer(a)
        placing = [asyncio.create_task(a.place_order(cust, [(sku, 1, "9.90")])) for _ in range(30)]
        await asyncio.sleep(0)  # let the first requests go out before the kill
        procs["inventory"].kill(signal.SIGKILL)
        orders = await asyncio.gather(*placing)
        procs["inventory"].start()
        await procs["inventory"].ready()
        finals = await asyncio.gather(*(a.wait_order(o["order_no"], SAGA_DONE, timeout=90) for o in orders))
        statuses = [f["status"] for f in finals]
        reasons = [(f["status"], f["rejection_reason"], f["status_reason"]) for f in finals]
        assert statuses.count("confirmed") == 15, reasons
        assert statuses.count("rejected") == 15
        assert await stock_of(a, sku) == {"on_hand": 15, "reserved": 15, "available": 0}
        await quiet(platform)
        await assert_invariants(platform)


async def test_finance_silent_past_the_deadline_compensates_and_releases_stock(infra: Infra, tmp_path: Path) -> None:
    fast_saga = {
        "SALES_SAGA_STEP_TIMEOUT_SECONDS": "2",
        "SALES_SAGA_MAX_ATTEMPTS": "2",
        "SALES_SAGA_TICK_SECONDS": "0.5",
    }
    async with as_processes(infra, tmp_path, extra_env=fast_saga) as (platform, procs):
        a = api(platform)
        await a.warehouse()
        sku = await product_with_stock(a, 10)
        cust = await customer(a)
        procs["finance"].send(signal.SIGSTOP)  # alive but not consuming: CheckCredit gets no answer
        try:
            order = await a.place_order(cust, [(sku, 3, "10.00")])
            rejected = await a.wait_order(order["order_no"], {"rejected"}, timeout=60)
            assert rejected["rejection_reason"] == "timeout"
            await eventually(lambda: stock_of(a, sku), lambda s: s["reserved"] == 0, timeout=30)
        finally:
            procs["finance"].send(signal.SIGCONT)
        # Finance wakes up, answers the stale CheckCredit; sales compensates the late approval.

        async def exposure() -> Decimal:
            account = await a.call("finance", "GET", f"/credit-accounts/{cust}", ["finance"])
            return Decimal(str(account["exposure"]))

        await eventually(exposure, lambda e: e == 0, timeout=60)
        assert (await a.order(order["order_no"]))["status"] == "rejected"
        assert await stock_of(a, sku) == {"on_hand": 10, "reserved": 0, "available": 10}
        await quiet(platform)
        await assert_invariants(platform)

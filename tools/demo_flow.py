"""The demo's business day, after `seed_demo` (so that every report of the analytics service answers with
figures): three sales orders placed, confirmed, shipped (invoiced by finance), two delivered, one paid, one order
cancelled; a purchase requisition approved, ordered, sent and received (billed by finance). Idempotent: an order
is identified by its channel reference, and a step already taken is not taken again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from tools.workload import Api, Json

T = TypeVar("T")
ORDERS = [
    # external ref, customer, channel, lines (sku, qty, unit price), deliver, pay, cancel
    ("demo-flow-1", "C-HZ-001", "web", [("SKU-TEA-001", 10, "88.00"), ("SKU-CUP-001", 24, "25.00")], True, True, False),
    ("demo-flow-2", "C-SH-002", "wechat", [("SKU-TEA-002", 5, "138.00")], True, False, False),
    ("demo-flow-3", "C-HZ-001", "phone", [("SKU-CUP-001", 60, "24.00")], False, False, False),
    ("demo-flow-4", "C-SH-002", "app", [("SKU-TEA-001", 2, "88.00")], False, False, True),
]
PAST_THE_SAGA = frozenset(
    {"confirmed", "shipped", "delivered", "invoiced", "paid", "closed", "cancelled", "rejected", "backordered"}
)
DEMO_PURCHASE = ("SKU-BOX-001", "6901234567201", 200)  # sku, barcode, qty: no stock yet, quoted by nobody
DEMO_SUPPLIER = ("S-PK-04", "包装材料厂", "4.00", 3)  # code, name, price, lead days


async def _until(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"demo flow: condition not met within {timeout}s (last: {value!r})")
        await asyncio.sleep(0.2)


async def _existing(api: Api, ref: str, customer: str) -> Json | None:
    found: list[Json] = await api.call("sales", "GET", "/orders", ["sales"], params={"customer_code": customer})
    return next((o for o in found if o.get("external_ref") == ref), None)


async def sales_day(api: Api) -> None:
    for ref, customer, channel, lines, deliver, pay, cancel in ORDERS:
        order = await _existing(api, ref, customer) or await api.place_order(
            customer, lines, channel=channel, external_ref=ref
        )
        order = await api.wait_order(order["order_no"], PAST_THE_SAGA, 60)
        if cancel:
            if order["status"] == "confirmed":
                await api.cancel(order["order_no"], "demo: the customer cancelled")
            continue
        if order["status"] == "confirmed":
            do = await api.outbound_of(order["order_no"])
            await api.pick_all(do["do_no"])
            await api.ship(do["do_no"])
        do = await api.outbound_of(order["order_no"])
        if deliver and do.get("status") != "delivered":
            await api.call("inventory", "POST", f"/outbound-orders/{do['do_no']}/deliver", ["warehouse"],
                           json={"signed_by": "王伟"}, ok=(200, 409))  # fmt: skip
        if pay:
            order = await api.wait_order(order["order_no"], {"invoiced", "paid", "closed"}, 60)
            if order["status"] == "invoiced":
                await api.pay(customer, Decimal(str(order["totals"]["gross"])))


async def purchase_day(api: Api, manager: Api, controller: Api) -> None:
    sku, barcode, qty = DEMO_PURCHASE
    code, name, price, lead = DEMO_SUPPLIER
    if (await api.get("purchasing", f"/suppliers/{code}", ["purchaser"])).status_code == 200:
        return  # done before
    body = {"code": code, "name": name, "payment_terms_days": 30, "score": "80"}
    await api.call("purchasing", "POST", "/suppliers", ["purchaser"], json=body)
    quote = {"sku": sku, "unit_price": price, "lead_time_days": lead, "valid_from": date.today().isoformat()}
    await api.call("purchasing", "POST", f"/suppliers/{code}/quotes", ["purchaser"], json=quote)
    needed = (date.today() + timedelta(days=lead + 7)).isoformat()
    pr_body = {
        "department": "仓储部",
        "warehouse_code": "WH-SH",
        "lines": [{"sku": sku, "qty": str(qty), "needed_by": needed}],
    }
    pr = await api.call("purchasing", "POST", "/requisitions", ["purchaser"], json=pr_body)
    pr = await api.call("purchasing", "POST", f"/requisitions/{pr['pr_no']}/submit", ["purchaser"])
    await _approve(f"/requisitions/{pr['pr_no']}", pr, manager, controller)
    ordered = await api.call("purchasing", "POST", f"/requisitions/{pr['pr_no']}/purchase-orders", ["purchaser"])
    [po_no] = ordered["po_nos"]
    po = await api.call("purchasing", "POST", f"/purchase-orders/{po_no}/submit", ["purchaser"])
    await _approve(f"/purchase-orders/{po_no}", po, manager, controller)
    await api.call("purchasing", "POST", f"/purchase-orders/{po_no}/send", ["purchaser"])
    await _until(
        lambda: api.get("inventory", f"/purchase-orders/{po_no}", ["warehouse"]), lambda r: r.status_code == 200
    )
    grn = await api.call("inventory", "POST", "/goods-receipts", ["warehouse"], json={"po_no": po_no})
    scan = {"barcode": barcode, "qty": str(qty - 2)}
    await api.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/scans", ["warehouse"], json=scan)
    await api.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/post", ["warehouse"], json={})


async def _approve(path: str, doc: Json, manager: Api, controller: Api) -> None:
    """Decide each pending level with whichever approver it waits for (the demo's rules decide how many)."""
    for _ in range(4):
        if doc["status"] not in ("submitted", "pending_approval"):
            return
        for approver, role in ((manager, "purchasing_manager"), (controller, "finance_manager")):
            body = {"decision": "approved", "comment": "demo"}
            answer = await approver.call(
                "purchasing", "POST", f"{path}/decisions", [role], json=body, ok=(200, 403, 409)
            )
            if "status" in answer and "code" not in answer:
                doc = answer
                break
    if doc["status"] in ("submitted", "pending_approval"):
        raise AssertionError(f"demo flow: {path} is still {doc['status']}")


async def run(api: Api, manager: Api, controller: Api) -> None:
    """A business day: `api` places, ships and pays; `manager` and `controller` (two people) approve."""
    await sales_day(api)
    await purchase_day(api, manager, controller)

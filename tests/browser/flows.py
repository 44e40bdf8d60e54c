"""Documents the browser tests of approvals, purchasing, warehouse and finance start from, made through the
services' APIs with demo users' tokens (the real services and Kafka of the session stack: nothing simulated but
the passing of time, for the overdue purchase order)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from harness import runtime
from sqlalchemy import text

from browser.support import Stack
from purchasing.handlers.anomalies import scan_overdue
from purchasing.main import OVERDUE_JOB
from servicekit.scheduler import run_once
from servicekit.testing import eventually
from tools.seed_demo import token_of
from tools.workload import BearerApi

Json = dict[str, Any]
TEA, TEA_BARCODE = "SKU-TEA-001", "6901234567001"


async def as_user(stack: Stack, username: str) -> BearerApi:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as gateway:
        return BearerApi(stack.platform.clients, await token_of(gateway, username), user=username)


async def requisition(stack: Stack, qty: str, *, submit: bool = True, est: str | None = None) -> Json:
    """A requisition of the demo tea by `purchaser` (over 10,000 it waits for the purchasing manager)."""
    buyer = await as_user(stack, "purchaser")
    line: Json = {"sku": TEA, "qty": qty, "needed_by": (date.today() + timedelta(days=20)).isoformat()}
    if est:
        line["est_unit_price"] = est
    body = {"department": "采购部", "warehouse_code": "WH-SH", "lines": [line]}
    pr: Json = await buyer.call("purchasing", "POST", "/requisitions", ["purchaser"], json=body, ok=(201,))
    if submit:
        pr = await buyer.call("purchasing", "POST", f"/requisitions/{pr['pr_no']}/submit", ["purchaser"])
    return pr


async def sent_purchase_order(stack: Stack, qty: str = "10") -> Json:
    """A small requisition (no approval), its purchase order submitted and sent to the supplier."""
    buyer = await as_user(stack, "purchaser")
    pr = await requisition(stack, qty)
    assert pr["status"] == "approved", pr
    made = await buyer.call(
        "purchasing", "POST", f"/requisitions/{pr['pr_no']}/purchase-orders", ["purchaser"], ok=(201,)
    )
    [po_no] = made["po_nos"]
    await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/submit", ["purchaser"])
    po: Json = await buyer.call("purchasing", "POST", f"/purchase-orders/{po_no}/send", ["purchaser"])
    return po


async def known_to_inventory(stack: Stack, po_no: str) -> None:
    """Inventory has the sent purchase order (PurchaseOrderSent consumed): receipts against it are possible."""
    wh = await as_user(stack, "warehouse")

    async def known() -> bool:
        return (await wh.get("inventory", f"/purchase-orders/{po_no}", ["warehouse"])).status_code == 200

    await eventually(known, timeout=30)


async def make_overdue(stack: Stack, po_no: str) -> None:
    """Its expected date five days ago (time passing), then the overdue scan the service runs periodically."""
    rt = runtime(stack.platform, "purchasing")
    async with rt.db.transaction() as session:
        await session.execute(
            text("UPDATE purchase_orders SET expected_date = current_date - 5 WHERE po_no = :p"), {"p": po_no}
        )
    assert await run_once(rt, OVERDUE_JOB, scan_overdue)


async def bill_on_hold(stack: Stack) -> Json:
    """A purchase order received in full, its bill in finance, and the supplier's invoice 20 % dearer: held."""
    po = await sent_purchase_order(stack, "10")
    await known_to_inventory(stack, po["po_no"])
    wh = await as_user(stack, "warehouse")
    grn: Json = await wh.call(
        "inventory", "POST", "/goods-receipts", ["warehouse"], json={"po_no": po["po_no"]}, ok=(201,)
    )
    line = {"sku": TEA, "qty": po["lines"][0]["qty_ordered"]}
    await wh.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/lines", ["warehouse"], json=line)
    await wh.call("inventory", "POST", f"/goods-receipts/{grn['grn_no']}/post", ["warehouse"], json={})
    fin = await as_user(stack, "finance")

    async def billed() -> list[Json]:
        found: list[Json] = await fin.call("finance", "GET", "/bills", ["finance"], params={"po_no": po["po_no"]})
        return found

    [bill] = await eventually(billed, timeout=30)
    dearer = str((Decimal(po["lines"][0]["unit_price"]) * Decimal("1.2")).quantize(Decimal("0.01")))
    invoice = {
        "invoice_ref": f"INV-{bill['bill_no'][-6:]}",
        "lines": [{"line_no": 1, "qty": line["qty"], "unit_price": dearer}],
    }
    held: Json = await fin.call(
        "finance", "POST", f"/bills/{bill['bill_no']}/supplier-invoice", ["finance"], json=invoice
    )
    assert held["status"] == "on_hold", held
    return {**bill, "po_no": po["po_no"], "invoice_price": dearer}


async def confirmed_order(stack: Stack, qty: int = 2) -> tuple[Json, Json]:
    """A sales order of the demo tea placed by `sales`, confirmed; its outbound order."""
    seller = await as_user(stack, "sales")
    order = await seller.place_order("C-HZ-001", [(TEA, qty, "88.00")])
    await seller.wait_order(order["order_no"], ["confirmed"])
    outbound = await stack.api.outbound_of(order["order_no"])
    return await seller.order(order["order_no"]), outbound

"""The purchasing test harness: drives the API, publishes real envelopes to Kafka the way inventory and
finance would, and reads the purchasing database."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from contracts.inventory import GoodsReceived, ReceiptLine
from servicekit.clock import ManualClock
from servicekit.testing import Infra, ServiceHarness, auth

D = Decimal
BUYER = "buyer.wang"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def doc(prefix: str) -> str:
    return f"{prefix}-2026-{random.randrange(10**9, 10**10)}"


class Harness(ServiceHarness):
    def __init__(self, client: httpx.AsyncClient, producer: AIOKafkaProducer, clock: ManualClock, infra: Infra) -> None:
        super().__init__(client, producer, clock)
        self.infra = infra

    @property
    def today(self) -> date:
        return self.clock.now().date()

    # ---- API -----------------------------------------------------------------------------------------------
    async def call(self, method: str, path: str, *roles: str, sub: str = BUYER, expect: int = 200, **kw: Any) -> Any:
        r = await self.client.request(method, f"/api/v1{path}", headers=auth(*roles, sub=sub), **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    async def isolate_numbers(self) -> None:
        """Other test suites publish receipts and bills for made-up PO numbers on the shared topics: start this
        database's sequences at a random point so its documents cannot be confused with theirs."""
        async with self.runtime.db.transaction() as s:
            for prefix in ("PR", "PO"):
                await s.execute(
                    text("INSERT INTO document_sequences (prefix, year, last_value) VALUES (:p, :y, :v)"),
                    {"p": prefix, "y": self.clock.now().year, "v": random.randrange(10**9, 10**10)},
                )

    async def default_rules(self) -> None:
        """Requisitions: two levels (purchasing manager, then finance manager). POs: one level from 100k."""
        await self.call(
            "PUT",
            "/approval-rules/requisition",
            "purchasing_manager",
            json={
                "rules": [
                    {"name": "all", "min_amount": "0", "approver_roles": ["purchasing_manager", "finance_manager"]}
                ]
            },
        )
        await self.call(
            "PUT",
            "/approval-rules/purchase_order",
            "purchasing_manager",
            json={"rules": [{"name": "big", "min_amount": "100000", "approver_roles": ["purchasing_manager"]}]},
        )

    async def supplier(self, score: str = "80", terms: int = 30, **over: Any) -> str:
        code = uid("SUP")
        body = {"code": code, "name": f"供应商 {code}", "payment_terms_days": terms, "score": score, **over}
        await self.call("POST", "/suppliers", "purchaser", json=body, expect=201)
        return code

    async def quote(self, supplier: str, sku: str, price: str, lead: int, min_qty: str = "0") -> None:
        body = {
            "sku": sku,
            "unit_price": price,
            "lead_time_days": lead,
            "min_qty": min_qty,
            "valid_from": str(self.today - timedelta(days=30)),
        }
        await self.call("POST", f"/suppliers/{supplier}/quotes", "purchaser", json=body, expect=201)

    async def requisition(self, sku: str, qty: str, needed_in_days: int, sub: str = BUYER) -> str:
        body = {
            "department": "生产部",
            "lines": [{"sku": sku, "qty": qty, "needed_by": str(self.today + timedelta(days=needed_in_days))}],
        }
        pr = await self.call("POST", "/requisitions", "purchaser", sub=sub, json=body, expect=201)
        return str(pr["pr_no"])

    async def decide(self, pr_no: str, role: str, sub: str, decision: str = "approved", **kw: Any) -> Any:
        body = {"decision": decision, "comment": kw.pop("comment", f"{decision} by {sub}")}
        return await self.call("POST", f"/requisitions/{pr_no}/decisions", role, sub=sub, json=body, **kw)

    async def approved_requisition(self, sku: str, qty: str, needed_in_days: int) -> str:
        pr_no = await self.requisition(sku, qty, needed_in_days)
        await self.call("POST", f"/requisitions/{pr_no}/submit", "purchaser")
        await self.decide(pr_no, "purchasing_manager", "mgr.li")
        pr = await self.decide(pr_no, "finance_manager", "fin.zhao")
        assert pr["status"] == "approved"
        return pr_no

    async def sent_po(self, sku: str, qty: str, price: str = "10.00", lead: int = 3) -> dict[str, Any]:
        """A supplier with one quote, an approved requisition, its PO submitted, approved and sent."""
        supplier = await self.supplier()
        await self.quote(supplier, sku, price, lead)
        pr_no = await self.approved_requisition(sku, qty, lead + 7)
        po_no = (await self.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=201))["po_nos"][
            0
        ]
        await self.call("POST", f"/purchase-orders/{po_no}/submit", "purchaser")
        return dict(await self.call("POST", f"/purchase-orders/{po_no}/send", "purchaser"))

    async def po(self, po_no: str) -> Any:
        return await self.call("GET", f"/purchase-orders/{po_no}", "auditor")

    def receipt(
        self, po: dict[str, Any], accepted: str, rejected: str = "0", grn_no: str | None = None
    ) -> GoodsReceived:
        line = po["lines"][0]
        return GoodsReceived(
            grn_no=grn_no or doc("GRN"),
            po_no=po["po_no"],
            supplier_code=po["supplier_code"],
            warehouse_code=po["warehouse_code"],
            lines=[
                ReceiptLine(
                    line_no=1,
                    po_line_no=line["line_no"],
                    sku=line["sku"],
                    qty_received=D(accepted) + D(rejected),
                    qty_accepted=D(accepted),
                    qty_rejected=D(rejected),
                    reject_reason="damaged" if D(rejected) else None,
                    unit_cost=D(line["unit_price"]),
                )
            ],
            received_by="wh.chen",
            received_at=datetime.now(UTC),
        )

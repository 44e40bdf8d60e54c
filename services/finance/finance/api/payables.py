"""Payables: bills (read, three-way match, release), supplier payments, received-not-billed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from finance.api import Finance, FinanceManager, FinanceReader, PositiveMoney, Qty, files, in_transaction, plain
from finance.config import FinanceUnit, RuntimeDep
from finance.db import bill_lines, bill_payments, bills, goods_receipts, kit
from finance.handlers.bills import (
    InvoicedLine,
    NewSupplierPayment,
    pay_supplier,
    register_supplier_invoice,
    release_bill,
    three_way_match,
)
from servicekit import audit
from servicekit.errors import NotFoundError
from servicekit.idempotency import create_once
from servicekit.inputs import OptionalLongText
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["payables"])
Method = Literal["bank_transfer", "cash", "card", "alipay", "wechat_pay", "cheque", "offset", "other"]


@router.get("/bills")
async def list_bills(
    runtime: RuntimeDep,
    _: FinanceReader,
    supplier_code: str | None = None,
    status: str | None = None,
    po_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    """The newest first, paged (`limit`, `offset`); the export streams all of them."""
    q = select(bills).order_by(bills.c.bill_date.desc(), bills.c.bill_no.desc())
    if supplier_code:
        q = q.where(bills.c.supplier_code == supplier_code)
    if status:
        q = q.where(bills.c.status == status)
    if po_no:
        q = q.where(bills.c.po_no == po_no)
    if format:
        return files.export_bills(runtime, q, format)
    async with runtime.db.transaction() as s:
        rows = (await s.execute(q.limit(limit).offset(offset))).mappings().all()
    return plain([{**dict(r), "outstanding": r["gross"] - r["paid"]} for r in rows])


@router.get("/bills/{bill_no}")
async def get_bill(bill_no: str, runtime: RuntimeDep, _: FinanceReader) -> Any:
    """The bill, its lines and payments; once the supplier's invoice is registered, `match` compares it line
    by line (PO price × received qty against the invoice; the flags say which side is off)."""
    async with runtime.db.transaction() as s:
        row = (await s.execute(select(bills).where(bills.c.bill_no == bill_no))).mappings().first()
        if row is None:
            raise NotFoundError("bill", bill_no)
        lines = (
            await s.execute(select(bill_lines).where(bill_lines.c.bill_no == bill_no).order_by(bill_lines.c.line_no))
        ).all()
        paid = (await s.execute(select(bill_payments).where(bill_payments.c.bill_no == bill_no))).mappings()
        body = {**dict(row), "outstanding": row["gross"] - row["paid"]}
        body["lines"] = [dict(x._mapping) for x in lines]
        body["match"] = await three_way_match(s, row["matched_invoice"], row["po_no"], lines)
        body["payments"] = [{"payment_no": p["payment_no"], "amount": p["amount"]} for p in paid]
    return plain(body)


class InvoicedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int = Field(ge=1, description="the bill line")
    qty: Qty = Field(ge=0)
    unit_price: PositiveMoney


class SupplierInvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_ref: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    lines: list[InvoicedLineIn] = Field(min_length=1)


@router.post("/bills/{bill_no}/supplier-invoice")
async def match_supplier_invoice(bill_no: str, body: SupplierInvoiceIn, runtime: RuntimeDep, who: Finance) -> Any:
    """Register the supplier's invoice for a bill: three-way match (PO price × received qty vs invoice) within
    the PO's tolerance; a mismatch puts the bill on hold (BillHeld)."""

    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        lines = [InvoicedLine(x.line_no, x.qty, x.unit_price) for x in body.lines]
        result = await register_supplier_invoice(c, bill_no, body.invoice_ref, lines)
        await audit.record(
            c.session,
            kit,
            actor=who.sub,
            entity="bill",
            entity_id=bill_no,
            action="supplier_invoice_registered",
            after={**result, "invoice": body.model_dump(mode="json")},
        )
        return result

    return plain(await in_transaction(runtime, use_case))


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: OptionalLongText = None


@router.post("/bills/{bill_no}/release")
async def release(bill_no: str, body: ReleaseIn, runtime: RuntimeDep, who: FinanceManager) -> Any:
    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        result = await release_bill(c, bill_no, who.sub, body.comment)
        await audit.record(
            c.session,
            kit,
            actor=who.sub,
            entity="bill",
            entity_id=bill_no,
            action="released",
            before={"status": "on_hold"},
            after=plain(result),
        )
        return result

    return plain(await in_transaction(runtime, use_case))


class BillAllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill_no: str = Field(pattern=r"^BILL-\d{4}-\d{1,12}$")
    amount: PositiveMoney


class SupplierPaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_code: str = Field(min_length=1, max_length=64)
    amount: PositiveMoney
    method: Method = "bank_transfer"
    reference: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^\S+$")
    paid_on: date
    allocations: list[BillAllocationIn] | None = None


@router.post("/supplier-payments", status_code=201)
async def create_supplier_payment(
    body: SupplierPaymentCreate,
    runtime: RuntimeDep,
    response: Response,
    who: Finance,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def work(c: FinanceUnit) -> Any:
        wanted = [(a.bill_no, a.amount) for a in body.allocations] if body.allocations is not None else None
        p = NewSupplierPayment(body.supplier_code, body.amount, body.method, body.paid_on, body.reference, wanted)
        result = plain(await pay_supplier(c, p, who.sub))
        await audit.record(
            c.session,
            kit,
            actor=who.sub,
            entity="supplier_payment",
            entity_id=result["payment_no"],
            action="paid",
            after=result,
        )
        return result

    return await create_once(
        runtime, response, key=idempotency_key, principal=who.sub, endpoint="POST /supplier-payments", body=body,
        work=work,
    )  # fmt: skip


@router.get("/payables/received-not-billed")
async def received_not_billed(runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    """Goods receipts with no bill yet: received without a PO and without a supplier or prices (with the reason
    given), or not billed yet; their value still sits in GRNI. A receipt without PO whose supplier and prices
    are given is billed at those prices when it arrives."""
    query = select(goods_receipts).where(goods_receipts.c.bill_no.is_(None)).order_by(goods_receipts.c.received_at)
    if format:
        return export_query(runtime.db, query, files.RECEIVED_NOT_BILLED, fmt=format, name="received-not-billed")
    async with runtime.db.transaction() as s:
        rows = (await s.execute(query)).mappings().all()
    return plain(
        [
            {k: r[k] for k in ("grn_no", "po_no", "supplier_code", "value", "received_on", "reason", "lines")}
            for r in rows
        ]
    )

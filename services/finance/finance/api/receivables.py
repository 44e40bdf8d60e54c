"""Receivables: invoices (read, void) and customer payments (record, apply credit)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from finance.api import Finance, FinanceManager, FinanceReader, PositiveMoney, files, in_transaction, plain
from finance.config import FinanceUnit, RuntimeDep
from finance.db import customer_payments, invoice_lines, invoices, kit, payment_allocations
from finance.handlers.credit import lock_account
from finance.handlers.invoicing import void_invoice
from finance.handlers.payments import NewPayment, apply_credit, record_payment
from servicekit import audit
from servicekit.errors import NotFoundError
from servicekit.idempotency import create_once
from servicekit.openapi import conflicts
from servicekit.tabular import FormatQuery

router = APIRouter(tags=["receivables"])
Method = Literal["bank_transfer", "cash", "card", "alipay", "wechat_pay", "cheque", "offset", "other"]


@router.get("/invoices")
async def list_invoices(
    runtime: RuntimeDep,
    _: FinanceReader,
    customer_code: str | None = None,
    order_no: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: FormatQuery = None,
) -> Any:
    """The newest first, paged (`limit`, `offset`); the export streams all of them."""
    q = select(invoices).order_by(invoices.c.issue_date.desc(), invoices.c.invoice_no.desc())
    if customer_code:
        q = q.where(invoices.c.customer_code == customer_code)
    if order_no:
        q = q.where(invoices.c.order_no == order_no)
    if status:
        q = q.where(invoices.c.status == status)
    if format:
        return files.export_invoices(runtime, q, format)
    async with runtime.db.transaction() as s:
        rows = (await s.execute(q.limit(limit).offset(offset))).mappings().all()
    return plain([_invoice(dict(r), runtime.clock.now().date()) for r in rows])


def _invoice(row: dict[str, Any], today: date) -> dict[str, Any]:
    row["outstanding"] = row["gross"] - row["paid"]
    row["overdue"] = row["status"] in ("open", "partially_paid") and row["due_date"] < today
    return row


@router.get("/invoices/{invoice_no}")
async def get_invoice(invoice_no: str, runtime: RuntimeDep, _: FinanceReader) -> Any:
    async with runtime.db.transaction() as s:
        row = (await s.execute(select(invoices).where(invoices.c.invoice_no == invoice_no))).mappings().first()
        if row is None:
            raise NotFoundError("invoice", invoice_no)
        lines = (
            await s.execute(
                select(invoice_lines).where(invoice_lines.c.invoice_no == invoice_no).order_by(invoice_lines.c.line_no)
            )
        ).mappings()
        allocations = (
            await s.execute(select(payment_allocations).where(payment_allocations.c.invoice_no == invoice_no))
        ).mappings()
        body = _invoice(dict(row), runtime.clock.now().date())
        body["lines"] = [dict(x) for x in lines]
        body["payments"] = [
            {"payment_no": a["payment_no"], "amount": a["amount"], "from_credit": a["from_credit"]} for a in allocations
        ]
    return plain(body)


class VoidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/invoices/{invoice_no}/void")
async def void(invoice_no: str, body: VoidRequest, runtime: RuntimeDep, who: FinanceManager) -> Any:
    async def use_case(c: FinanceUnit) -> dict[str, object]:
        result = await void_invoice(c, invoice_no, body.reason)
        await audit.record(
            c.session,
            kit,
            actor=who.sub,
            entity="invoice",
            entity_id=invoice_no,
            action="voided",
            before={"status": result["before"]},
            after={"status": "void", "reason": body.reason},
        )
        return result

    return plain(await in_transaction(runtime, use_case))


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_no: str = Field(pattern=r"^INV-\d{4}-\d{1,12}$")
    amount: PositiveMoney


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_code: str = Field(min_length=1, max_length=64)
    amount: PositiveMoney
    method: Method = "bank_transfer"
    reference: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^\S+$")
    received_on: date
    allocations: list[AllocationIn] | None = Field(
        default=None, description="explicit allocation; absent = oldest due first; the rest is customer credit"
    )


@router.post("/payments", status_code=201, responses=conflicts("period_closed"))
async def create_payment(
    body: PaymentCreate,
    runtime: RuntimeDep,
    response: Response,
    who: Finance,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    async def work(c: FinanceUnit) -> Any:
        wanted = [(a.invoice_no, a.amount) for a in body.allocations] if body.allocations is not None else None
        payment = NewPayment(body.customer_code, body.amount, body.method, body.received_on, body.reference, wanted)
        result = plain(await record_payment(c, payment, who.sub))
        await audit.record(
            c.session,
            kit,
            actor=who.sub,
            entity="payment",
            entity_id=result["payment_no"],
            action="received",
            after=result,
        )
        return result

    return await create_once(
        runtime, response, key=idempotency_key, principal=who.sub, endpoint="POST /payments", body=body, work=work
    )


@router.get("/payments/{payment_no}")
async def get_payment(payment_no: str, runtime: RuntimeDep, _: FinanceReader) -> Any:
    async with runtime.db.transaction() as s:
        row = (
            (await s.execute(select(customer_payments).where(customer_payments.c.payment_no == payment_no)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("payment", payment_no)
        allocations = (
            await s.execute(select(payment_allocations).where(payment_allocations.c.payment_no == payment_no))
        ).mappings()
        body = dict(row)
        body["allocations"] = [
            {"invoice_no": a["invoice_no"], "amount": a["amount"], "from_credit": a["from_credit"]} for a in allocations
        ]
    return plain(body)


@router.post("/customers/{customer_code}/apply-credit")
async def apply_customer_credit(customer_code: str, runtime: RuntimeDep, who: Finance) -> Any:
    """Apply the customer's unapplied receipts to its open invoices, oldest due first."""

    async def use_case(c: FinanceUnit) -> list[dict[str, Any]]:
        if await lock_account(c.session, customer_code) is None:
            raise NotFoundError("customer", customer_code)
        done = [a.model_dump() for a in await apply_credit(c, customer_code)]
        if done:
            await audit.record(
                c.session,
                kit,
                actor=who.sub,
                entity="customer_credit",
                entity_id=customer_code,
                action="applied",
                after=plain(done),
            )
        return done

    return plain({"allocations": await in_transaction(runtime, use_case)})

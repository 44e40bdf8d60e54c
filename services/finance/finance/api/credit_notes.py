"""Credit notes (CN-): issue one against an invoice (finance_manager), list and read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from finance.api import FinanceManager, FinanceReader, Qty, files, in_transaction, plain
from finance.config import FinanceUnit, RuntimeDep
from finance.db import credit_notes, kit
from finance.handlers.credit_notes import CreditLine, CreditNote, issue_credit_note
from servicekit import audit
from servicekit.errors import NotFoundError
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["credit notes"])


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int = Field(ge=1)
    qty: Annotated[Qty, Field(gt=0)]
    restock: bool = Field(default=False, description="the goods came back to stock: their cost leaves COGS")


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
    lines: list[CreditLineIn] | None = Field(
        default=None, min_length=1, description="what is credited, per invoice line; absent = all not yet credited"
    )
    void: bool = Field(default=False, description="void the invoice by this note (credits all that is left)")
    return_no: str | None = Field(default=None, pattern=r"^RMA-\d{4}-\d{1,12}$")
    apply_to_open_invoices: bool = Field(
        default=False,
        description="what the invoice's open balance does not take settles the customer's other open invoices "
        "(oldest due first) before the rest is kept as customer credit",
    )


@router.post("/invoices/{invoice_no}/credit-notes", status_code=201)
async def create_credit_note(invoice_no: str, body: CreditNoteCreate, runtime: RuntimeDep, who: FinanceManager) -> Any:
    """Reverse all or part of an invoice: revenue, tax (and, for restocked lines, cost of goods) taken back; the
    invoice's open balance settled first, the rest left as customer credit. The way to void a paid invoice
    (`void: true`). 409 `credit_exceeds_invoice`, `invoice_void`, `nothing_to_credit`."""
    lines = None if body.lines is None else [CreditLine(x.line_no, x.qty, x.restock) for x in body.lines]
    note = CreditNote(invoice_no, body.reason, lines, body.void, body.return_no, body.apply_to_open_invoices)

    async def use_case(c: FinanceUnit) -> dict[str, Any]:
        issued = await issue_credit_note(c, note, who.sub)
        await audit.record(
            c.session, kit, actor=who.sub, entity="credit_note", entity_id=issued["credit_note_no"], action="issued",
            after={k: str(v) for k, v in issued.items() if k in ("invoice_no", "gross", "to_invoice", "reason")},
        )  # fmt: skip
        return issued

    return plain(await in_transaction(runtime, use_case))


@router.get("/credit-notes")
async def list_credit_notes(
    runtime: RuntimeDep,
    _: FinanceReader,
    order_no: str | None = None,
    invoice_no: str | None = None,
    customer_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    format: FormatQuery = None,
) -> Any:
    q = select(credit_notes).order_by(credit_notes.c.credit_note_no)
    for column, value in (("order_no", order_no), ("invoice_no", invoice_no), ("customer_code", customer_code)):
        if value is not None:
            q = q.where(credit_notes.c[column] == value)
    if format:
        return export_query(runtime.db, q, files.CREDIT_NOTES, fmt=format, name="credit-notes")
    q = q.limit(limit)
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(q)).mappings()])


@router.get("/credit-notes/{credit_note_no}")
async def get_credit_note(credit_note_no: str, runtime: RuntimeDep, _: FinanceReader) -> Any:
    async with runtime.db.transaction() as s:
        row = (
            (await s.execute(select(credit_notes).where(credit_notes.c.credit_note_no == credit_note_no)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError("credit note", credit_note_no)
    return plain(dict(row))

"""Credit notes (CN-): all or part of an invoice reversed, for a void of a paid invoice or of its order, a
return or a price adjustment. The reversing entry takes back revenue and output tax and, for restocked goods,
their cost of goods sold; the amount first settles the invoice's open balance (counted in its `paid`, which is
what is settled, by payments and credit notes), the rest is kept as the customer's credit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from contracts.common import Amounts
from contracts.finance import CreditNoteIssued, InvoiceVoided, PaymentAllocation
from finance.config import FinanceUnit
from finance.db import credit_notes, invoice_lines, invoices, kit
from finance.domain import PricedLine, paid_status, totals
from finance.ledger import Account, cr, dr, post
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number

ZERO = Decimal("0.00")
OPEN = ("open", "partially_paid")


@dataclass(frozen=True)
class CreditLine:
    line_no: int
    qty: Decimal
    restock: bool = False  # the goods came back to stock: their cost is taken back from cost of goods sold


@dataclass(frozen=True)
class CreditNote:
    invoice_no: str
    reason: str
    lines: Sequence[CreditLine] | None = None  # None: all that is not yet credited
    void: bool = False  # the invoice is voided by it (it then credits all that is left)
    return_no: str | None = None


async def lock_invoice(c: FinanceUnit, invoice_no: str) -> Any:
    inv = (
        await c.session.execute(select(invoices).where(invoices.c.invoice_no == invoice_no).with_for_update())
    ).first()
    if inv is None:
        raise NotFoundError("invoice", invoice_no)
    return inv


async def _credited(c: FinanceUnit, invoice_no: str) -> tuple[Decimal, Decimal, dict[int, Decimal]]:
    """What earlier credit notes of the invoice took back: net, tax, and quantity per line."""
    rows = (
        await c.session.execute(
            select(credit_notes.c.net, credit_notes.c.tax, credit_notes.c.lines).where(
                credit_notes.c.invoice_no == invoice_no
            )
        )
    ).all()
    qty: dict[int, Decimal] = {}
    for r in rows:
        for x in r.lines:
            qty[int(x["line_no"])] = qty.get(int(x["line_no"]), ZERO) + Decimal(x["qty"])
    return sum((r.net for r in rows), ZERO), sum((r.tax for r in rows), ZERO), qty


async def issue_credit_note(c: FinanceUnit, note: CreditNote, actor: str) -> dict[str, Any]:
    inv = await lock_invoice(c, note.invoice_no)
    if inv.status == "void":
        raise DomainError("invoice_void", f"{inv.invoice_no} is void: nothing left to credit")
    priced = {
        r.line_no: r
        for r in (await c.session.execute(select(invoice_lines).where(invoice_lines.c.invoice_no == inv.invoice_no)))
    }
    net_done, tax_done, qty_done = await _credited(c, inv.invoice_no)
    wanted = note.lines
    if wanted is None or note.void:
        left = {n: r.qty - qty_done.get(n, ZERO) for n, r in priced.items()}
        wanted = [CreditLine(n, q, False) for n, q in sorted(left.items()) if q > 0]
    for x in wanted:
        if x.line_no not in priced:
            raise InputError("lines", f"{inv.invoice_no} has no line {x.line_no}")
        if x.qty <= 0 or x.qty + qty_done.get(x.line_no, ZERO) > priced[x.line_no].qty:
            raise DomainError(
                "credit_exceeds_invoice",
                f"line {x.line_no}: {x.qty} more credited than {inv.invoice_no} invoiced ({priced[x.line_no].qty})",
            )
    lines = [_priced(priced[x.line_no], x.qty) for x in wanted]
    t = totals(lines)
    net, tax = t.net, t.tax
    if note.void or (note.lines is None):  # all that is left: the rounding of earlier partial notes included
        net, tax = inv.net - net_done, inv.tax - tax_done
    if net + tax <= 0:
        raise DomainError("nothing_to_credit", f"{inv.invoice_no} is credited in full already")
    cost = sum((line.cost for line, x in zip(lines, wanted, strict=True) if x.restock), ZERO)
    return await _issue(c, inv, note, actor, net, tax, cost, wanted)


def _priced(row: Any, qty: Decimal) -> PricedLine:
    return PricedLine(row.line_no, row.sku, qty, row.unit_price, row.discount, row.tax_rate, row.unit_cost)


async def _issue(
    c: FinanceUnit,
    inv: Any,
    note: CreditNote,
    actor: str,
    net: Decimal,
    tax: Decimal,
    cost: Decimal,
    wanted: Sequence[CreditLine],
) -> dict[str, Any]:
    gross = net + tax
    outstanding = inv.gross - inv.paid if inv.status in OPEN else ZERO
    to_invoice = min(gross, outstanding)
    unapplied = gross - to_invoice
    cn_no = await next_number(c.session, kit, "CN", c.now)
    paid = inv.paid + to_invoice
    values: dict[str, Any] = {"paid": paid, "status": paid_status(inv.gross, paid)}
    if note.void:
        values.update(status="void", voided_at=c.now, void_reason=note.reason, credit_note_no=cn_no)
    await c.session.execute(update(invoices).where(invoices.c.invoice_no == inv.invoice_no).values(**values))
    line_json = [{"line_no": x.line_no, "qty": str(x.qty), "restock": x.restock} for x in wanted]
    await c.session.execute(
        insert(credit_notes).values(
            credit_note_no=cn_no,
            invoice_no=inv.invoice_no,
            order_no=inv.order_no,
            customer_code=inv.customer_code,
            currency=inv.currency,
            net=net,
            tax=tax,
            gross=gross,
            cost=cost,
            to_invoice=to_invoice,
            unapplied=unapplied,
            reason=note.reason,
            return_no=note.return_no,
            lines=line_json,
            issued_at=c.now,
            issued_by=actor,
        )
    )
    party = ("customer", inv.customer_code)
    await post(
        c.session,
        entry_date=c.now.date(),
        at=c.now,
        source_type="credit_note",
        source_no=cn_no,
        legs=[
            dr(Account.REVENUE, net),
            dr(Account.OUTPUT_VAT, tax),
            cr(Account.AR, to_invoice, party),
            cr(Account.CUSTOMER_CREDIT, unapplied, party),
            dr(Account.INVENTORY, cost),
            cr(Account.COGS, cost),
        ],
        memo=f"{inv.invoice_no}: {note.reason}",
    )
    allocations = (
        [PaymentAllocation(invoice_no=inv.invoice_no, order_no=inv.order_no, amount=to_invoice)] if to_invoice else []
    )
    c.publish(
        CreditNoteIssued(
            credit_note_no=cn_no,
            invoice_no=inv.invoice_no,
            order_no=inv.order_no,
            customer_code=inv.customer_code,
            currency=inv.currency,
            totals=Amounts(net=net, tax=tax, gross=gross),
            allocations=allocations,
            customer_credit=unapplied,
            reason=note.reason,
            return_no=note.return_no,
            issued_at=c.now,
        )
    )
    if note.void:
        c.publish(
            InvoiceVoided(
                invoice_no=inv.invoice_no,
                order_no=inv.order_no,
                customer_code=inv.customer_code,
                amount=inv.gross,
                currency=inv.currency,
                reason=note.reason,
                credit_note_no=cn_no,
                voided_at=c.now,
            )
        )
    return {
        "credit_note_no": cn_no,
        "invoice_no": inv.invoice_no,
        "order_no": inv.order_no,
        "customer_code": inv.customer_code,
        "currency": inv.currency,
        "net": net,
        "tax": tax,
        "gross": gross,
        "cost": cost,
        "to_invoice": to_invoice,
        "customer_credit": unapplied,
        "invoice_status": values["status"],
        "reason": note.reason,
        "return_no": note.return_no,
        "lines": line_json,
    }


async def credit_order(c: FinanceUnit, order_no: str, reason: str) -> list[dict[str, Any]]:
    """A voided order: every invoice of it not void yet is voided by a credit note of what is left on it."""
    open_invoices = list(
        await c.session.scalars(
            select(invoices.c.invoice_no)
            .where(invoices.c.order_no == order_no, invoices.c.status != "void")
            .order_by(invoices.c.invoice_no)
        )
    )
    issued = []
    for n in open_invoices:
        try:
            issued.append(await issue_credit_note(c, CreditNote(n, f"order voided: {reason}", void=True), "system"))
        except DomainError as exc:
            if exc.code != "nothing_to_credit":
                raise
            await c.session.execute(  # credited in full by earlier notes: only voided
                update(invoices)
                .where(invoices.c.invoice_no == n)
                .values(status="void", voided_at=c.now, void_reason=f"order voided: {reason}")
            )
    return issued


async def unapplied_credit(c: FinanceUnit) -> Decimal:
    return Decimal(await c.session.scalar(select(func.coalesce(func.sum(credit_notes.c.unapplied), 0))) or 0)

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
from contracts.inventory import ReturnReceived
from contracts.pricing import cents
from finance.config import FinanceUnit
from finance.db import credit_note_allocations, credit_notes, invoice_lines, invoices, kit
from finance.domain import PricedLine, paid_status, totals
from finance.handlers.credit import lock_account
from finance.handlers.settlement import settle_if_done
from finance.handlers.stock import value_stock
from finance.ledger import Account, cr, dr, post
from servicekit.consumer import NotReady
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number

ZERO = Decimal("0.00")
OPEN = ("open", "partially_paid")


@dataclass(frozen=True)
class CreditLine:
    line_no: int
    qty: Decimal
    restock: bool = False  # the goods came back to stock: their cost is taken back from cost of goods sold
    unit_cost: Decimal | None = None  # the restocked goods' cost as inventory took them back; else as invoiced


@dataclass(frozen=True)
class CreditNote:
    invoice_no: str
    reason: str
    lines: Sequence[CreditLine] | None = None  # None: all that is not yet credited
    void: bool = False  # the invoice is voided by it (it then credits all that is left)
    return_no: str | None = None
    # What the invoice's open balance does not take goes to the customer's other open invoices (oldest due
    # first) before the rest is kept as customer credit.
    apply_to_open: bool = False


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
    asked: dict[int, Decimal] = {}  # a line may be listed twice (part restocked, part not)
    for x in wanted:
        if x.line_no not in priced:
            raise InputError("lines", f"{inv.invoice_no} has no line {x.line_no}")
        asked[x.line_no] = asked.get(x.line_no, ZERO) + x.qty
        if x.qty <= 0 or asked[x.line_no] + qty_done.get(x.line_no, ZERO) > priced[x.line_no].qty:
            raise DomainError(
                "credit_exceeds_invoice",
                f"line {x.line_no}: {x.qty} more credited than {inv.invoice_no} invoiced ({priced[x.line_no].qty})",
            )
    lines = [_priced(priced[x.line_no], x.qty, x.unit_cost) for x in wanted]
    t = totals(lines)
    net, tax = t.net, t.tax
    if note.void or (note.lines is None):  # all that is left: the rounding of earlier partial notes included
        net, tax = inv.net - net_done, inv.tax - tax_done
    if net + tax <= 0:
        raise DomainError("nothing_to_credit", f"{inv.invoice_no} is credited in full already")
    restocked = [line for line, x in zip(lines, wanted, strict=True) if x.restock]
    for line in restocked:  # the goods are back in stock at their cost
        await value_stock(c, line.sku, line.qty, line.cost)
    cost = sum((line.cost for line in restocked), ZERO)
    return await _issue(c, inv, note, actor, net, tax, cost, wanted)


def _priced(row: Any, qty: Decimal, unit_cost: Decimal | None = None) -> PricedLine:
    cost = row.unit_cost if unit_cost is None else unit_cost
    return PricedLine(row.line_no, row.sku, qty, row.unit_price, row.discount, row.tax_rate, cost)


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
    allocations = (
        [PaymentAllocation(invoice_no=inv.invoice_no, order_no=inv.order_no, amount=to_invoice)] if to_invoice else []
    )
    elsewhere: list[PaymentAllocation] = []
    if note.apply_to_open and unapplied > 0:
        elsewhere = await _apply_to_open(c, inv, unapplied)
        allocations += elsewhere
        unapplied -= sum((a.amount for a in elsewhere), ZERO)
    applied = gross - unapplied
    line_json = [
        {"line_no": x.line_no, "qty": str(x.qty), "restock": x.restock}
        | ({} if x.unit_cost is None else {"unit_cost": str(x.unit_cost)})
        for x in wanted
    ]
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
            to_open_invoices=applied - to_invoice,
            unapplied=unapplied,
            reason=note.reason,
            return_no=note.return_no,
            lines=line_json,
            issued_at=c.now,
            issued_by=actor,
        )
    )
    if elsewhere:
        await c.session.execute(
            insert(credit_note_allocations),
            [
                {"credit_note_no": cn_no, "invoice_no": a.invoice_no, "amount": a.amount, "allocated_at": c.now}
                for a in elsewhere
            ],
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
            cr(Account.AR, applied, party),
            cr(Account.CUSTOMER_CREDIT, unapplied, party),
            dr(Account.INVENTORY, cost),
            cr(Account.COGS, cost),
        ],
        memo=f"{inv.invoice_no}: {note.reason}",
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
        "allocations": [a.model_dump() for a in allocations],
        "invoice_status": values["status"],
        "reason": note.reason,
        "return_no": note.return_no,
        "lines": line_json,
    }


async def _apply_to_open(c: FinanceUnit, inv: Any, amount: Decimal) -> list[PaymentAllocation]:
    """`amount` of a credit note settles the customer's other open invoices, oldest due first (the caller records
    the allocations once the note is written)."""
    others = (
        await c.session.execute(
            select(invoices)
            .where(
                invoices.c.customer_code == inv.customer_code,
                invoices.c.status.in_(OPEN),
                invoices.c.invoice_no != inv.invoice_no,
            )
            .order_by(invoices.c.due_date, invoices.c.invoice_no)
            .with_for_update()
        )
    ).all()
    done: list[PaymentAllocation] = []
    left = amount
    for other in others:
        if left <= 0:
            break
        take = min(left, other.gross - other.paid)
        if take <= 0:
            continue
        paid = other.paid + take
        await c.session.execute(
            update(invoices)
            .where(invoices.c.invoice_no == other.invoice_no)
            .values(paid=paid, status=paid_status(other.gross, paid))
        )
        done.append(PaymentAllocation(invoice_no=other.invoice_no, order_no=other.order_no, amount=take))
        left -= take
    return done


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


async def credit_return(c: FinanceUnit, msg: ReturnReceived) -> list[dict[str, Any]]:
    """A return received by the warehouse: its quantities are credited on the order's invoices (oldest first,
    what each has not credited yet), restocked goods at the cost inventory took them back with; the amount
    settles the invoice, then the customer's other open invoices, the rest is customer credit. Goods whose
    revenue was credited already (a voided order) only have their restocked cost taken back from COGS."""
    if await c.session.scalar(select(credit_notes.c.credit_note_no).where(credit_notes.c.return_no == msg.return_no)):
        return []  # credited already
    order = (
        await c.session.execute(select(invoices.c.customer_code).where(invoices.c.order_no == msg.order_no))
    ).first()
    if order is None:
        raise ReturnNotInvoicedError(msg.order_no)
    await lock_account(c.session, order.customer_code)
    open_lines = (
        await c.session.execute(
            select(invoice_lines.c.invoice_no, invoice_lines.c.line_no, invoice_lines.c.qty)
            .join(invoices, invoices.c.invoice_no == invoice_lines.c.invoice_no)
            .where(invoices.c.order_no == msg.order_no, invoices.c.status != "void")
            .order_by(invoices.c.issue_date, invoices.c.invoice_no)
        )
    ).all()
    creditable: dict[tuple[str, int], Decimal] = {}
    for r in open_lines:
        done = (await _credited(c, r.invoice_no))[2]
        creditable[(r.invoice_no, r.line_no)] = r.qty - done.get(r.line_no, ZERO)
    per_invoice: dict[str, list[CreditLine]] = {}
    uncredited_cost = ZERO
    for x in msg.lines:
        left = x.qty
        for (invoice_no, line_no), qty in creditable.items():
            if line_no != x.line_no or qty <= 0 or left <= 0:
                continue
            take = min(qty, left)
            creditable[(invoice_no, line_no)] -= take
            left -= take
            per_invoice.setdefault(invoice_no, []).append(
                CreditLine(line_no, take, x.result == "restock", x.unit_cost if x.result == "restock" else None)
            )
        if left > 0 and x.result == "restock":
            uncredited_cost += cents(left * x.unit_cost)
            await value_stock(c, x.sku, left, cents(left * x.unit_cost))
    reason = f"return {msg.return_no}"
    issued = [
        await issue_credit_note(
            c, CreditNote(n, reason, lines, return_no=msg.return_no, apply_to_open=True), msg.received_by
        )
        for n, lines in sorted(per_invoice.items())
    ]
    if uncredited_cost > 0:
        await post(
            c.session,
            entry_date=c.now.date(),
            at=c.now,
            source_type="return",
            source_no=msg.return_no,
            legs=[dr(Account.INVENTORY, uncredited_cost), cr(Account.COGS, uncredited_cost)],
            memo=f"{msg.order_no}: restocked, revenue credited before",
        )
    for order_no in sorted({a["order_no"] for note in issued for a in note["allocations"]}):
        await settle_if_done(c, order_no)
    return issued


class ReturnNotInvoicedError(NotReady):
    """A return of an order finance has not invoiced yet: it waits for the invoice (see servicekit NotReady)."""

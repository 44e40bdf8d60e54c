"""Bills after creation: the three-way match of a supplier invoice, releasing held bills, paying suppliers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.finance import BillAllocation, BillHeld, BillMismatchLine, BillReleased, SupplierPaymentMade
from contracts.pricing import ZERO, cents
from finance.config import FinanceUnit
from finance.db import bill_lines, bill_payments, bills, kit, purchase_orders, supplier_payments, suppliers
from finance.domain import (
    BILL_TRANSITIONS,
    MatchLine,
    OpenItem,
    TransitionError,
    allocate_explicit,
    allocate_oldest_first,
    check_transition,
    mismatches,
    paid_status,
)
from finance.ledger import Account, cr, dr, post
from servicekit.errors import DomainError, InputError, NotFoundError
from servicekit.numbering import next_number


@dataclass(frozen=True)
class InvoicedLine:
    line_no: int
    qty: Decimal
    unit_price: Decimal


async def tolerance_of(session: AsyncSession, po_no: str | None) -> Decimal:
    """The price is matched with the PO's own price tolerance (not the receipt quantity tolerance): by default
    none, so any difference holds the bill and raises the price anomaly."""
    tolerance = await session.scalar(
        select(purchase_orders.c.price_tolerance_pct).where(purchase_orders.c.po_no == po_no)
    )
    return tolerance if tolerance is not None else ZERO


def compare(ours: Mapping[int, Any], theirs: Mapping[int, InvoicedLine]) -> list[MatchLine]:
    """The bill's lines (PO price × received qty) beside the supplier invoice's; a line it omits is invoiced 0."""
    return [
        MatchLine(
            line_no=n,
            sku=r.sku,
            po_unit_price=r.unit_price,
            invoice_unit_price=theirs[n].unit_price if n in theirs else r.unit_price,
            qty_received=r.qty,
            qty_invoiced=theirs[n].qty if n in theirs else ZERO,
        )
        for n, r in sorted(ours.items())
    ]


async def three_way_match(
    session: AsyncSession, invoice: Mapping[str, Any] | None, po_no: str | None, lines: Sequence[Any]
) -> dict[str, Any] | None:
    """How a bill compares with its registered supplier invoice (`bills.matched_invoice`), line by line;
    None before one is registered."""
    if invoice is None:
        return None
    theirs = {
        int(x["line_no"]): InvoicedLine(int(x["line_no"]), Decimal(x["qty"]), Decimal(x["unit_price"]))
        for x in invoice["lines"]
    }
    tolerance = await tolerance_of(session, po_no)
    return {
        "invoice_ref": invoice["ref"],
        "tolerance_pct": tolerance,
        "lines": [
            {
                "line_no": x.line_no,
                "sku": x.sku,
                "po_unit_price": x.po_unit_price,
                "invoice_unit_price": x.invoice_unit_price,
                "qty_received": x.qty_received,
                "qty_invoiced": x.qty_invoiced,
                "amount_expected": cents(x.po_unit_price * x.qty_received),
                "amount_invoiced": cents(x.invoice_unit_price * x.qty_invoiced),
                "price_mismatch": x.price_differs(tolerance),
                "qty_mismatch": x.qty_differs,
            }
            for x in compare({r.line_no: r for r in lines}, theirs)
        ],
    }


async def _lock_bill(c: FinanceUnit, bill_no: str) -> Any:
    bill = (await c.session.execute(select(bills).where(bills.c.bill_no == bill_no).with_for_update())).first()
    if bill is None:
        raise NotFoundError("bill", bill_no)
    return bill


def _move(current: str, wanted: str, bill_no: str) -> None:
    try:
        check_transition(BILL_TRANSITIONS, f"bill {bill_no}", current, wanted)
    except TransitionError as exc:
        raise DomainError("invalid_transition", str(exc)) from exc


async def register_supplier_invoice(
    c: FinanceUnit, bill_no: str, invoice_ref: str, lines: list[InvoicedLine]
) -> dict[str, Any]:
    """Three-way match: PO price × received qty (the bill) against the supplier's invoice."""
    bill = await _lock_bill(c, bill_no)
    if bill.matched_invoice is not None:
        raise DomainError("already_matched", f"{bill_no} already has supplier invoice {bill.supplier_invoice_ref}")
    ours = {r.line_no: r for r in (await c.session.execute(select(bill_lines).where(bill_lines.c.bill_no == bill_no)))}
    theirs = {x.line_no: x for x in lines}
    unknown = sorted(set(theirs) - set(ours))
    if unknown:
        raise InputError("lines", f"bill {bill_no} has no lines {unknown}")
    tolerance = await tolerance_of(c.session, bill.po_no)
    reason, bad = mismatches(compare(ours, theirs), tolerance)
    recorded = {
        "ref": invoice_ref,
        "lines": [{"line_no": x.line_no, "qty": str(x.qty), "unit_price": str(x.unit_price)} for x in lines],
    }
    status = "on_hold" if reason else bill.status
    if reason:
        _move(bill.status, "on_hold", bill_no)
    await c.session.execute(
        update(bills)
        .where(bills.c.bill_no == bill_no)
        .values(supplier_invoice_ref=invoice_ref, matched_invoice=recorded, status=status, hold_reason=reason)
    )
    if reason:
        c.publish(
            BillHeld(
                bill_no=bill_no,
                supplier_code=bill.supplier_code,
                po_no=bill.po_no,
                grn_no=bill.grn_no,
                reason=reason,
                tolerance_pct=tolerance,
                lines=[
                    BillMismatchLine(
                        line_no=x.line_no,
                        sku=x.sku,
                        po_unit_price=x.po_unit_price,
                        invoice_unit_price=x.invoice_unit_price,
                        qty_received=x.qty_received,
                        qty_invoiced=x.qty_invoiced,
                    )
                    for x in bad
                ],
                held_at=c.now,
            )
        )
    return {"bill_no": bill_no, "status": status, "matched": reason is None, "reason": reason}


async def release_bill(c: FinanceUnit, bill_no: str, actor: str, comment: str | None) -> dict[str, Any]:
    """Approve a held bill: it becomes payable at the supplier's invoiced amounts; the difference from the
    PO price goes to price variance (and input VAT)."""
    bill = await _lock_bill(c, bill_no)
    if bill.status != "on_hold":
        raise DomainError("not_on_hold", f"{bill_no} is {bill.status}, not on_hold")
    _move(bill.status, "open", bill_no)
    rows = {r.line_no: r for r in (await c.session.execute(select(bill_lines).where(bill_lines.c.bill_no == bill_no)))}
    inv = {int(x["line_no"]): x for x in bill.matched_invoice["lines"]}
    net = tax = ZERO
    for n, r in rows.items():
        q, p = (Decimal(inv[n]["qty"]), Decimal(inv[n]["unit_price"])) if n in inv else (ZERO, ZERO)
        line_net = cents(q * p)
        net += line_net
        tax += cents(line_net * r.tax_rate)
    d_net, d_tax = net - bill.net, tax - bill.tax
    await post(
        c.session,
        entry_date=c.now.date(),
        at=c.now,
        source_type="bill_variance",
        source_no=bill_no,
        legs=[
            dr(Account.PRICE_VARIANCE, d_net),
            dr(Account.INPUT_VAT, d_tax),
            cr(Account.AP, d_net + d_tax, ("supplier", bill.supplier_code)),
        ],
        memo=comment,
    )
    await c.session.execute(
        update(bills)
        .where(bills.c.bill_no == bill_no)
        .values(status="open", hold_reason=None, net=net, tax=tax, gross=net + tax)
    )
    c.publish(
        BillReleased(
            bill_no=bill_no,
            supplier_code=bill.supplier_code,
            po_no=bill.po_no,
            released_by=actor,
            comment=comment,
            released_at=c.now,
        )
    )
    return {"bill_no": bill_no, "status": "open", "net": net, "tax": tax, "gross": net + tax}


@dataclass(frozen=True)
class NewSupplierPayment:
    supplier_code: str
    amount: Decimal
    method: str
    paid_on: date
    reference: str | None = None
    allocations: list[tuple[str, Decimal]] | None = None


async def pay_supplier(c: FinanceUnit, p: NewSupplierPayment, actor: str) -> dict[str, Any]:
    supplier = (
        await c.session.execute(select(suppliers).where(suppliers.c.supplier_code == p.supplier_code).with_for_update())
    ).first()
    rows = (
        await c.session.execute(
            select(bills)
            .where(bills.c.supplier_code == p.supplier_code, bills.c.status.in_(("open", "partially_paid", "on_hold")))
            .order_by(bills.c.due_date, bills.c.bill_no)
            .with_for_update()
        )
    ).all()
    if supplier is None and not rows:
        raise NotFoundError("supplier", p.supplier_code)
    held = {r.bill_no for r in rows if r.status == "on_hold"}
    payable = {r.bill_no: r for r in rows if r.status != "on_hold"}
    outstanding = {n: r.gross - r.paid for n, r in payable.items()}
    if p.allocations is None:
        plan, left = allocate_oldest_first(
            p.amount, [OpenItem(n, r.due_date, outstanding[n]) for n, r in payable.items()]
        )
    else:
        if held & {n for n, _ in p.allocations}:
            raise DomainError("bill_on_hold", f"bills on hold cannot be paid: {sorted(held)}")
        try:
            plan, left = allocate_explicit(p.amount, p.allocations, outstanding)
        except LookupError as exc:
            raise InputError("allocations", f"{exc.args[0]} is not an open bill of {p.supplier_code}") from exc
        except ValueError as exc:
            raise InputError("allocations", str(exc)) from exc
    if left > 0:
        raise DomainError("overpayment", f"{p.amount} exceeds what the payable bills owe by {left}")
    payment_no = await next_number(c.session, kit, "PAY", c.now)
    currency = supplier.currency if supplier else next(iter(payable.values())).currency
    await c.session.execute(
        insert(supplier_payments).values(
            payment_no=payment_no,
            supplier_code=p.supplier_code,
            amount=p.amount,
            currency=currency,
            method=p.method,
            reference=p.reference,
            paid_on=p.paid_on,
            paid_at=c.now,
            created_by=actor,
        )
    )
    allocations = []
    for bill_no, amount in plan:
        bill = payable[bill_no]
        paid = bill.paid + amount
        await c.session.execute(
            update(bills).where(bills.c.bill_no == bill_no).values(paid=paid, status=paid_status(bill.gross, paid))
        )
        await c.session.execute(insert(bill_payments).values(payment_no=payment_no, bill_no=bill_no, amount=amount))
        allocations.append(BillAllocation(bill_no=bill_no, po_no=bill.po_no, amount=amount))
    await post(
        c.session,
        entry_date=p.paid_on,
        at=c.now,
        source_type="supplier_payment",
        source_no=payment_no,
        legs=[dr(Account.AP, p.amount, ("supplier", p.supplier_code)), cr(Account.CASH, p.amount)],
    )
    c.publish(
        SupplierPaymentMade(
            payment_no=payment_no,
            supplier_code=p.supplier_code,
            amount=p.amount,
            currency=currency,
            method=p.method,
            reference=p.reference,
            paid_on=p.paid_on,
            allocations=allocations,
            paid_at=c.now,
        )
    )
    return {
        "payment_no": payment_no,
        "supplier_code": p.supplier_code,
        "amount": p.amount,
        "currency": currency,
        "allocations": [a.model_dump() for a in allocations],
    }

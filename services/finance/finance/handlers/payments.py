"""Customer payments: allocation to invoices (oldest due first or as told), overpayment kept as credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from contracts.finance import PaymentAllocated, PaymentAllocation, PaymentReceived
from finance.config import FinanceUnit
from finance.db import customer_payments, invoices, kit, payment_allocations
from finance.domain import OpenItem, allocate_explicit, allocate_oldest_first, paid_status
from finance.handlers.credit import lock_account
from finance.handlers.settlement import settle_if_done
from finance.ledger import Account, cr, dr, post
from servicekit.errors import InputError, NotFoundError
from servicekit.numbering import next_number

OPEN = ("open", "partially_paid")


@dataclass(frozen=True)
class NewPayment:
    customer_code: str
    amount: Decimal
    method: str
    received_on: date
    reference: str | None = None
    allocations: list[tuple[str, Decimal]] | None = None  # explicit (invoice_no, amount)


async def _open_invoices(c: FinanceUnit, customer_code: str) -> dict[str, Any]:
    rows = (
        await c.session.execute(
            select(invoices)
            .where(invoices.c.customer_code == customer_code, invoices.c.status.in_(OPEN))
            .order_by(invoices.c.due_date, invoices.c.invoice_no)
            .with_for_update()
        )
    ).all()
    return {r.invoice_no: r for r in rows}


async def _apply(c: FinanceUnit, payment_no: str, inv: Any, amount: Decimal, from_credit: bool) -> PaymentAllocation:
    paid = inv.paid + amount
    status = paid_status(inv.gross, paid)
    await c.session.execute(
        update(invoices).where(invoices.c.invoice_no == inv.invoice_no).values(paid=paid, status=status)
    )
    await c.session.execute(
        insert(payment_allocations).values(
            payment_no=payment_no,
            invoice_no=inv.invoice_no,
            amount=amount,
            from_credit=from_credit,
            allocated_at=c.now,
        )
    )
    c.publish(
        PaymentAllocated(
            order_no=inv.order_no,
            payment_no=payment_no,
            invoice_no=inv.invoice_no,
            customer_code=inv.customer_code,
            amount=amount,
            currency=inv.currency,
            invoice_outstanding=inv.gross - paid,
            invoice_status=status,
            allocated_at=c.now,
        )
    )
    return PaymentAllocation(invoice_no=inv.invoice_no, order_no=inv.order_no, amount=amount)


async def record_payment(c: FinanceUnit, p: NewPayment, actor: str) -> dict[str, Any]:
    account = await lock_account(c.session, p.customer_code)
    if account is None:
        raise NotFoundError("customer", p.customer_code)
    open_invoices = await _open_invoices(c, p.customer_code)
    outstanding = {n: r.gross - r.paid for n, r in open_invoices.items()}
    if p.allocations is None:
        items = [OpenItem(n, r.due_date, outstanding[n]) for n, r in open_invoices.items()]
        plan, left = allocate_oldest_first(p.amount, items)
    else:
        try:
            plan, left = allocate_explicit(p.amount, p.allocations, outstanding)
        except LookupError as exc:
            raise InputError("allocations", f"{exc.args[0]} is not an open invoice of {p.customer_code}") from exc
        except ValueError as exc:
            raise InputError("allocations", str(exc)) from exc
    payment_no = await next_number(c.session, kit, "PAY", c.now)
    await c.session.execute(
        insert(customer_payments).values(
            payment_no=payment_no,
            customer_code=p.customer_code,
            amount=p.amount,
            unallocated=left,
            currency=account.currency,
            method=p.method,
            reference=p.reference,
            received_on=p.received_on,
            received_at=c.now,
            created_by=actor,
        )
    )
    allocations = [await _apply(c, payment_no, open_invoices[n], a, False) for n, a in plan]
    party = ("customer", p.customer_code)
    await post(
        c.session,
        entry_date=p.received_on,
        at=c.now,
        source_type="payment",
        source_no=payment_no,
        legs=[
            dr(Account.CASH, p.amount),
            cr(Account.AR, p.amount - left, party),
            cr(Account.CUSTOMER_CREDIT, left, party),
        ],
        refuse_closed=True,  # the date a person entered: not into a closed month
    )
    c.publish(
        PaymentReceived(
            payment_no=payment_no,
            customer_code=p.customer_code,
            amount=p.amount,
            currency=account.currency,
            method=p.method,
            reference=p.reference,
            received_on=p.received_on,
            allocations=allocations,
            unallocated=left,
            received_at=c.now,
        )
    )
    for order_no in sorted({a.order_no for a in allocations}):
        await settle_if_done(c, order_no)
    return {
        "payment_no": payment_no,
        "customer_code": p.customer_code,
        "amount": p.amount,
        "currency": account.currency,
        "method": p.method,
        "reference": p.reference,
        "received_on": p.received_on,
        "allocations": [a.model_dump() for a in allocations],
        "unallocated": left,
    }


async def apply_credit(c: FinanceUnit, customer_code: str) -> list[PaymentAllocation]:
    """Apply the customer's unapplied receipts (oldest first) to its open invoices (oldest due first).
    The caller holds the customer's credit-account lock."""
    credits = (
        await c.session.execute(
            select(customer_payments.c.payment_no, customer_payments.c.unallocated)
            .where(customer_payments.c.customer_code == customer_code, customer_payments.c.unallocated > 0)
            .order_by(customer_payments.c.received_at, customer_payments.c.payment_no)
            .with_for_update()
        )
    ).all()
    if not credits:
        return []
    open_invoices = await _open_invoices(c, customer_code)
    queue = [(r.invoice_no, r.gross - r.paid) for r in open_invoices.values()]
    done: list[PaymentAllocation] = []
    for payment_no, available in credits:
        left = available
        while left > 0 and queue:
            invoice_no, owed = queue[0]
            take = min(left, owed)
            inv = (await c.session.execute(select(invoices).where(invoices.c.invoice_no == invoice_no))).one()
            done.append(await _apply(c, payment_no, inv, take, True))
            left -= take
            owed -= take
            if owed > 0:
                queue[0] = (invoice_no, owed)
            else:
                queue.pop(0)
        if left != available:
            await c.session.execute(
                update(customer_payments).where(customer_payments.c.payment_no == payment_no).values(unallocated=left)
            )
            party = ("customer", customer_code)
            await post(
                c.session,
                entry_date=c.now.date(),
                at=c.now,
                source_type="credit_applied",
                source_no=payment_no,
                legs=[dr(Account.CUSTOMER_CREDIT, available - left, party), cr(Account.AR, available - left, party)],
            )
    for order_no in sorted({a.order_no for a in done}):
        await settle_if_done(c, order_no)
    return done

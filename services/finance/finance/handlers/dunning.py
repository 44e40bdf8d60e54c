"""Dunning (催收): reminders at offsets from the due date, and InvoiceOverdue once per invoice. The offsets are the
customer's dunning group's (payment terms groups), else the service's default. Run by a periodic tick; what was
sent is recorded in `dunning_log`, so each step happens once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from contracts.finance import DunningReminderIssued, InvoiceOverdue
from finance.config import FinanceUnit
from finance.db import credit_accounts, dunning_groups, dunning_log, invoices

OPEN = ("open", "partially_paid")


async def run_dunning(c: FinanceUnit, offsets: list[int]) -> int:
    """Issue every due step not yet issued; returns how many messages were emitted. `offsets`: the default."""
    today = c.now.date()
    groups = {r.code: sorted(r.offsets_days) for r in await c.session.execute(select(dunning_groups))}
    first = min([*offsets, *(x for steps in groups.values() for x in steps)], default=0)
    rows = (
        await c.session.execute(
            select(invoices, credit_accounts.c.dunning_group)
            .outerjoin(credit_accounts, credit_accounts.c.customer_code == invoices.c.customer_code)
            .where(invoices.c.status.in_(OPEN), invoices.c.due_date <= max(today - timedelta(days=first), today))
            .order_by(invoices.c.due_date)
            .limit(5000)
        )
    ).all()
    emitted = 0
    for inv in rows:
        days = (today - inv.due_date).days
        outstanding = inv.gross - inv.paid
        if outstanding <= 0:
            continue
        steps = groups.get(inv.dunning_group, sorted(offsets)) if inv.dunning_group else sorted(offsets)
        for level, offset in enumerate(steps, start=1):
            if days >= offset and await _claim(c, inv.invoice_no, "reminder", offset):
                emitted += 1
                c.publish(
                    DunningReminderIssued(
                        invoice_no=inv.invoice_no,
                        order_no=inv.order_no,
                        customer_code=inv.customer_code,
                        level=level,
                        days_from_due=offset,
                        due_date=inv.due_date,
                        outstanding=outstanding,
                        currency=inv.currency,
                        issued_at=c.now,
                    )
                )
        if days >= 1 and await _claim(c, inv.invoice_no, "overdue", 0):
            emitted += 1
            c.publish(
                InvoiceOverdue(
                    invoice_no=inv.invoice_no,
                    order_no=inv.order_no,
                    customer_code=inv.customer_code,
                    due_date=inv.due_date,
                    days_overdue=days,
                    outstanding=outstanding,
                    currency=inv.currency,
                    detected_at=c.now,
                )
            )
    return emitted


async def _claim(c: FinanceUnit, invoice_no: str, kind: str, offset: int) -> bool:
    claimed = await c.session.execute(
        insert(dunning_log)
        .values(invoice_no=invoice_no, kind=kind, offset_days=offset, issued_at=c.now)
        .on_conflict_do_nothing()
        .returning(dunning_log.c.invoice_no)
    )
    return claimed.first() is not None

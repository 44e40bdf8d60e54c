"""Read models: statements (对账单) per customer/supplier and period, AR/AP ageing. Built from the journal
(party lines on the control accounts) and the open documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.pricing import ZERO, cents
from finance.db import bills, invoices, journal_entries, journal_lines
from finance.domain import AGEING_BUCKETS, ageing_bucket
from finance.ledger import Account

# What a party owes (customer: receivable net of unapplied credit) or is owed (supplier: payable).
PARTY_ACCOUNTS = {
    "customer": ((Account.AR.value, Account.CUSTOMER_CREDIT.value), 1),
    "supplier": ((Account.AP.value,), -1),
}


async def statement(session: AsyncSession, party_type: str, code: str, start: date, end: date) -> dict[str, Any]:
    """Opening balance, every document of the period, closing balance: for a customer, what it owes us; for
    a supplier, what we owe it."""
    accounts, sign = PARTY_ACCOUNTS[party_type]
    amount = func.sum(journal_lines.c.debit - journal_lines.c.credit) * sign
    base = (
        select(amount)
        .select_from(journal_lines.join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id))
        .where(
            journal_lines.c.party_type == party_type,
            journal_lines.c.party_code == code,
            journal_lines.c.account_code.in_(accounts),
        )
    )
    opening = cents(Decimal(await session.scalar(base.where(journal_entries.c.entry_date < start)) or 0))
    rows = (
        await session.execute(
            base.add_columns(
                journal_entries.c.id,
                journal_entries.c.entry_date,
                journal_entries.c.source_type,
                journal_entries.c.source_no,
            )
            .where(journal_entries.c.entry_date >= start, journal_entries.c.entry_date <= end)
            .group_by(journal_entries.c.id)
            .order_by(journal_entries.c.entry_date, journal_entries.c.id)
        )
    ).all()
    balance, lines = opening, []
    for r in rows:
        change = cents(Decimal(r[0] or 0))
        if change == 0:
            continue  # e.g. customer credit applied to an invoice: owed stays the same
        balance += change
        lines.append(
            {
                "date": r.entry_date,
                "document_type": r.source_type,
                "document_no": r.source_no,
                "debit": change if change > 0 else ZERO,
                "credit": -change if change < 0 else ZERO,
                "balance": balance,
            }
        )
    return {
        "party_type": party_type,
        "code": code,
        "from": start,
        "to": end,
        "opening_balance": opening,
        "documents": lines,
        "closing_balance": balance,
    }


async def ageing(session: AsyncSession, kind: str, as_of: date) -> dict[str, Any]:
    table, party = (invoices, invoices.c.customer_code) if kind == "receivables" else (bills, bills.c.supplier_code)
    rows = (
        await session.execute(
            select(party.label("party"), table.c.due_date, (table.c.gross - table.c.paid).label("outstanding")).where(
                table.c.status.in_(("open", "partially_paid", "on_hold"))
            )
        )
    ).all()
    by_party: dict[str, dict[str, Decimal]] = {}
    totals = dict.fromkeys(AGEING_BUCKETS, ZERO)
    for r in rows:
        bucket = ageing_bucket(r.due_date, as_of)
        entry = by_party.setdefault(r.party, dict.fromkeys(AGEING_BUCKETS, ZERO))
        entry[bucket] += r.outstanding
        totals[bucket] += r.outstanding
    return {
        "kind": kind,
        "as_of": as_of,
        "buckets": list(AGEING_BUCKETS),
        "parties": [{"code": k, **v, "total": sum(v.values(), ZERO)} for k, v in sorted(by_party.items())],
        "totals": {**totals, "total": sum(totals.values(), ZERO)},
    }

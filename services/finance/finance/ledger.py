"""The double-entry journal: posting balanced entries, the trial balance, subledger reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.pricing import ZERO, cents
from finance.db import (
    accounts,
    bills,
    credit_notes,
    customer_payments,
    invoices,
    journal_entries,
    journal_lines,
    periods,
    stock_values,
)
from servicekit.errors import DomainError


class Account(StrEnum):
    """The chart of accounts (seeded by migration 0002)."""

    CASH = "1000"
    AR = "1100"
    INVENTORY = "1200"
    INPUT_VAT = "1300"
    AP = "2000"
    GRNI = "2100"
    OUTPUT_VAT = "2200"
    CUSTOMER_CREDIT = "2300"
    OPENING_EQUITY = "3000"  # migration 0012
    REVENUE = "4000"
    COGS = "5000"
    PRICE_VARIANCE = "5100"
    INVENTORY_GAIN_LOSS = "5200"  # stocktake variances, adjustments (migration 0012)


@dataclass(frozen=True)
class Leg:
    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    party: tuple[str, str] | None = None  # ("customer" | "supplier", code)


class UnbalancedEntryError(Exception):
    pass


def dr(account: Account, amount: Decimal, party: tuple[str, str] | None = None) -> Leg:
    return Leg(account, debit=amount, party=party) if amount >= 0 else Leg(account, credit=-amount, party=party)


def cr(account: Account, amount: Decimal, party: tuple[str, str] | None = None) -> Leg:
    return Leg(account, credit=amount, party=party) if amount >= 0 else Leg(account, debit=-amount, party=party)


async def post(
    session: AsyncSession,
    *,
    entry_date: date,
    at: datetime,
    source_type: str,
    source_no: str,
    legs: list[Leg],
    memo: str | None = None,
    refuse_closed: bool = False,
) -> int | None:
    """Post one balanced entry (zero legs dropped); the database re-checks the balance at commit.

    An entry dated in a closed period goes to the first day of the next open one (what events cause must be
    booked); with `refuse_closed` (a date a person entered) it is refused instead: 409 `period_closed`."""
    legs = [leg for leg in legs if leg.debit or leg.credit]
    if not legs:
        return None
    open_date = await next_open_date(session, entry_date)
    if open_date != entry_date:
        if refuse_closed:
            raise DomainError(
                "period_closed", f"{period_of(entry_date)} is closed: nothing can be posted on {entry_date}"
            )
        memo = f"{memo + '; ' if memo else ''}dated {entry_date} in closed period {period_of(entry_date)}"
        entry_date = open_date
    debit = sum((leg.debit for leg in legs), ZERO)
    credit = sum((leg.credit for leg in legs), ZERO)
    if debit != credit:
        raise UnbalancedEntryError(f"{source_type} {source_no}: debit {debit} != credit {credit}")
    entry_id: int = (
        await session.execute(
            insert(journal_entries)
            .values(entry_date=entry_date, posted_at=at, source_type=source_type, source_no=source_no, memo=memo)
            .returning(journal_entries.c.id)
        )
    ).scalar_one()
    await session.execute(
        insert(journal_lines),
        [
            {
                "entry_id": entry_id,
                "account_code": leg.account.value,
                "debit": leg.debit,
                "credit": leg.credit,
                "party_type": leg.party[0] if leg.party else None,
                "party_code": leg.party[1] if leg.party else None,
            }
            for leg in legs
        ],
    )
    return entry_id


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def next_open_date(session: AsyncSession, day: date) -> date:
    """`day`, or the first day of the first open period after it when its period is closed."""
    closed = set(
        await session.scalars(
            select(periods.c.period).where(periods.c.status == "closed", periods.c.period >= period_of(day))
        )
    )
    while period_of(day) in closed:
        day = _next_month(day)
    return day


async def reverse(session: AsyncSession, *, source_type: str, source_no: str, at: datetime, reason: str) -> None:
    """Post the mirror image of every entry of a document (a void)."""
    rows = (
        await session.execute(
            select(journal_lines)
            .join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id)
            .where(journal_entries.c.source_type == source_type, journal_entries.c.source_no == source_no)
        )
    ).all()
    legs = [
        Leg(
            Account(r.account_code),
            debit=r.credit,
            credit=r.debit,
            party=(r.party_type, r.party_code) if r.party_type else None,
        )
        for r in rows
    ]
    await post(
        session,
        entry_date=at.date(),
        at=at,
        source_type=f"{source_type}_void",
        source_no=source_no,
        legs=legs,
        memo=reason,
    )


async def trial_balance(session: AsyncSession) -> dict[str, Any]:
    totals = (
        select(
            journal_lines.c.account_code,
            func.coalesce(func.sum(journal_lines.c.debit), 0).label("debit"),
            func.coalesce(func.sum(journal_lines.c.credit), 0).label("credit"),
        )
        .group_by(journal_lines.c.account_code)
        .subquery()
    )
    rows = (
        await session.execute(
            select(accounts, totals.c.debit, totals.c.credit)
            .outerjoin(totals, totals.c.account_code == accounts.c.code)
            .order_by(accounts.c.code)
        )
    ).all()
    lines = []
    for r in rows:
        debit, credit = cents(r.debit or ZERO), cents(r.credit or ZERO)
        balance = debit - credit if r.normal_side == "debit" else credit - debit
        lines.append(
            {"account": r.code, "name": r.name, "kind": r.kind, "debit": debit, "credit": credit, "balance": balance}
        )
    total_debit = sum((x["debit"] for x in lines), ZERO)
    total_credit = sum((x["credit"] for x in lines), ZERO)
    return {
        "accounts": lines,
        "total_debit": total_debit,
        "total_credit": total_credit,
        "balanced": total_debit == total_credit,
    }


async def account_balance(session: AsyncSession, account: Account) -> Decimal:
    """Debit minus credit of one account."""
    value = await session.scalar(
        select(func.coalesce(func.sum(journal_lines.c.debit - journal_lines.c.credit), 0)).where(
            journal_lines.c.account_code == account.value
        )
    )
    return cents(Decimal(value or 0))


OPEN = ("open", "partially_paid")


async def reconciliation(session: AsyncSession) -> dict[str, Any]:
    """Each subledger against its control account: what should agree, and whether it does."""
    open_receivables = Decimal(
        await session.scalar(
            select(func.coalesce(func.sum(invoices.c.gross - invoices.c.paid), 0)).where(invoices.c.status.in_(OPEN))
        )
        or 0
    )
    unapplied = Decimal(await session.scalar(select(func.coalesce(func.sum(customer_payments.c.unallocated), 0))) or 0)
    unapplied += Decimal(await session.scalar(select(func.coalesce(func.sum(credit_notes.c.unapplied), 0))) or 0)
    open_payables = Decimal(
        await session.scalar(
            select(func.coalesce(func.sum(case((bills.c.status != "paid", bills.c.gross - bills.c.paid), else_=0)), 0))
        )
        or 0
    )
    stock_value = Decimal(await session.scalar(select(func.coalesce(func.sum(stock_values.c.value), 0))) or 0)
    open_receivables, unapplied, open_payables = cents(open_receivables), cents(unapplied), cents(open_payables)
    ar = await account_balance(session, Account.AR)
    credit = -await account_balance(session, Account.CUSTOMER_CREDIT)
    ap = -await account_balance(session, Account.AP)
    checks = [
        _check("receivables", "open invoice balances", open_receivables, Account.AR, ar),
        _check(
            "customer_credit",
            "unapplied customer receipts and credit notes",
            unapplied,
            Account.CUSTOMER_CREDIT,
            credit,
        ),
        _check("payables", "open bill balances", open_payables, Account.AP, ap),
        _check(
            "inventory",
            "stock valuation (every valued stock movement)",
            cents(stock_value),
            Account.INVENTORY,
            await account_balance(session, Account.INVENTORY),
        ),
    ]
    return {"checks": checks, "all_agree": all(c["agrees"] for c in checks)}


def _check(name: str, what: str, subledger: Decimal, account: Account, control: Decimal) -> dict[str, Any]:
    return {
        "name": name,
        "subledger": what,
        "subledger_total": subledger,
        "control_account": account.value,
        "control_balance": control,
        "difference": subledger - control,
        "agrees": subledger == control,
    }

"""Month-end close (月结): a period's reconciliation report lists, per control account, its subledger, the
difference and the documents that explain the balance (unbilled receipts, unallocated payments and credits,
unmatched bills, open invoices); a finance manager closes the month on it (refused while a check disagrees), after
which nothing posts into it (finance.ledger.post: an event's entry goes to the next open month, a date a person
entered is refused); reopening is audited."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from finance.config import FinanceUnit
from finance.db import bills, credit_notes, customer_payments, goods_receipts, invoices, kit, periods
from finance.ledger import OPEN, Account, account_balance, reconciliation
from servicekit import audit
from servicekit.errors import DomainError, InputError, NotFoundError

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LIMIT = 200  # documents listed per check


def check_period(period: str) -> str:
    if not PERIOD.match(period):
        raise InputError("period", "a month as YYYY-MM")
    return period


async def _documents(c: FinanceUnit) -> dict[str, list[dict[str, Any]]]:
    s = c.session
    open_invoices = await s.execute(
        select(invoices.c.invoice_no, invoices.c.customer_code, (invoices.c.gross - invoices.c.paid).label("open"))
        .where(invoices.c.status.in_(OPEN))
        .order_by(invoices.c.due_date)
        .limit(LIMIT)
    )
    payments = await s.execute(
        select(customer_payments.c.payment_no, customer_payments.c.customer_code, customer_payments.c.unallocated)
        .where(customer_payments.c.unallocated > 0)
        .order_by(customer_payments.c.payment_no)
        .limit(LIMIT)
    )
    notes = await s.execute(
        select(credit_notes.c.credit_note_no, credit_notes.c.customer_code, credit_notes.c.unapplied)
        .where(credit_notes.c.unapplied > 0)
        .order_by(credit_notes.c.credit_note_no)
        .limit(LIMIT)
    )
    held = await s.execute(
        select(
            bills.c.bill_no, bills.c.supplier_code, bills.c.hold_reason, (bills.c.gross - bills.c.paid).label("open")
        )
        .where(bills.c.status != "paid")
        .order_by(bills.c.bill_no)
        .limit(LIMIT)
    )
    unbilled = await s.execute(
        select(goods_receipts.c.grn_no, goods_receipts.c.po_no, goods_receipts.c.supplier_code, goods_receipts.c.value)
        .where(goods_receipts.c.bill_no.is_(None), goods_receipts.c.value > 0)
        .order_by(goods_receipts.c.grn_no)
        .limit(LIMIT)
    )
    return {
        "receivables": [{"document": "open_invoice", **r} for r in open_invoices.mappings()],
        "customer_credit": [{"document": "unallocated_payment", **r} for r in payments.mappings()]
        + [{"document": "unapplied_credit_note", **r} for r in notes.mappings()],
        "payables": [{"document": "unmatched_bill" if r["hold_reason"] else "open_bill", **r} for r in held.mappings()],
        "grni": [{"document": "unbilled_receipt", **r} for r in unbilled.mappings()],
    }


async def report(c: FinanceUnit, period: str) -> dict[str, Any]:
    """The reconciliation report of `period` (balances as of now)."""
    check_period(period)
    rec = await reconciliation(c.session)
    unbilled = Decimal(
        await c.session.scalar(
            select(func.coalesce(func.sum(goods_receipts.c.value), 0)).where(goods_receipts.c.bill_no.is_(None))
        )
        or 0
    )
    grni = -await account_balance(c.session, Account.GRNI)
    checks = [
        *rec["checks"],
        {
            "name": "grni",
            "subledger": "receipts not billed yet",
            "subledger_total": unbilled,
            "control_account": Account.GRNI.value,
            "control_balance": grni,
            "difference": unbilled - grni,
            "agrees": unbilled == grni,
        },
    ]
    docs = await _documents(c)
    for check in checks:
        check["documents"] = docs.get(check["name"], [])
    row = (await c.session.execute(select(periods).where(periods.c.period == period))).mappings().first()
    return {
        "period": period,
        "status": row["status"] if row else "open",
        "as_of": c.now,
        "checks": checks,
        "all_agree": all(x["agrees"] for x in checks),
    }


async def close(c: FinanceUnit, period: str, actor: str) -> dict[str, Any]:
    made = await report(c, period)
    if made["status"] == "closed":
        raise DomainError("period_closed", f"{period} is closed already")
    if not made["all_agree"]:
        bad = ", ".join(x["name"] for x in made["checks"] if not x["agrees"])
        raise DomainError("period_not_reconciled", f"{period}: {bad} disagree with their control accounts")
    stored = _jsonable(made)
    values = {"status": "closed", "report": stored, "closed_by": actor, "closed_at": c.now}
    stmt = insert(periods).values(period=period, **values)
    await c.session.execute(stmt.on_conflict_do_update(index_elements=[periods.c.period], set_=values))
    await audit.record(
        c.session, kit, actor=actor, entity="period", entity_id=period, action="closed",
        after={"all_agree": True, "checks": {x["name"]: str(x["control_balance"]) for x in made["checks"]}},
    )  # fmt: skip
    return {**made, "status": "closed"}


async def reopen(c: FinanceUnit, period: str, actor: str, reason: str) -> dict[str, Any]:
    check_period(period)
    done = await c.session.scalar(
        update(periods)
        .where(periods.c.period == period, periods.c.status == "closed")
        .values(status="open", reopened_by=actor, reopened_at=c.now, reopen_reason=reason)
        .returning(periods.c.period)
    )
    if done is None:
        raise NotFoundError("closed period", period)
    await audit.record(
        c.session, kit, actor=actor, entity="period", entity_id=period, action="reopened",
        before={"status": "closed"}, after={"status": "open", "reason": reason},
    )  # fmt: skip
    return {"period": period, "status": "open", "reopened_by": actor, "reason": reason}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal) or hasattr(value, "isoformat"):
        return str(value)
    return value

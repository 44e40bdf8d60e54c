"""Credit: accounts from customer master data, the saga's credit check (a hold per order), releasing holds."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.finance import CreditApproved, CreditRefused, SettlementVoided
from contracts.pricing import ZERO
from contracts.sales import CheckCredit, CustomerUpserted
from finance.config import FinanceUnit
from finance.db import credit_accounts, credit_checks, credit_holds
from finance.domain import OPEN_INVOICE_STATUSES, CreditDecision, credit_exposure, decide_credit
from servicekit.fastsql import Statement, insert_of
from servicekit.unit import MISSING, Batch, Slot

log = logging.getLogger(__name__)


async def upsert_customer(c: FinanceUnit, msg: CustomerUpserted) -> None:
    # An account its batch locked and read ahead (`lock_accounts_of`) is read again by the checks after this.
    locked = c.batch.get(_ACCOUNTS)
    if locked:
        locked.pop(msg.customer_code, None)
    values = {
        "name": msg.name,
        "credit_limit": msg.credit_limit,
        "payment_terms_days": msg.payment_terms_days,
        "currency": msg.currency,
        "active": msg.active,
        "updated_at": msg.updated_at,
    }
    stmt = insert(credit_accounts).values(customer_code=msg.customer_code, **values)
    # Master data: the latest version wins, whatever order the messages arrive in.
    await c.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[credit_accounts.c.customer_code],
            set_=values,
            where=credit_accounts.c.updated_at <= stmt.excluded.updated_at,
        )
    )


async def lock_account(session: AsyncSession, customer_code: str) -> Any:
    """Serializes everything that changes a customer's exposure (credit checks, invoices, payments)."""
    return (
        await session.execute(
            select(credit_accounts).where(credit_accounts.c.customer_code == customer_code).with_for_update()
        )
    ).first()


_OPEN = ", ".join(f"'{s}'" for s in OPEN_INVOICE_STATUSES)


def _exposure_columns(customer_code: str, order_no: str) -> str:
    """The two sums of `domain.credit_exposure` in SQL (open receivables; what active holds have not invoiced,
    `domain.uninvoiced` per hold), the holds of one order excepted (when given): of the customer and order these
    SQL expressions give."""
    return f"""
  (SELECT coalesce(sum(gross - paid), 0) FROM invoices
    WHERE customer_code = {customer_code} AND status IN ({_OPEN})) AS receivables,
  (SELECT coalesce(sum(greatest(amount - invoiced, 0)), 0) FROM credit_holds
    WHERE customer_code = {customer_code} AND active AND order_no IS DISTINCT FROM {order_no}) AS held
"""


_EXPOSURE = Statement(text("SELECT" + _exposure_columns(":customer_code", ":order_no")))


def _exposure_of(row: Any) -> Decimal:
    return credit_exposure(Decimal(row["receivables"]), Decimal(row["held"]))


async def exposure(session: AsyncSession, customer_code: str, *, excluding_order: str | None = None) -> Decimal:
    """Open receivables + what active holds have not yet invoiced."""
    return _exposure_of(await _EXPOSURE.fetchrow(session, customer_code=customer_code, order_no=excluding_order))


# The credit check runs for every order: its statements are built once (see servicekit.fastsql).
# Accounts locked (and read) in customer order: a consumer batch's credit checks' at once, or one.
_LOCK_ACCOUNTS = Statement(
    select(credit_accounts.c.customer_code, credit_accounts.c.active, credit_accounts.c.credit_limit)
    .where(credit_accounts.c.customer_code == any_(bindparam("codes", type_=ARRAY(String))))
    .order_by(credit_accounts.c.customer_code)
    .with_for_update()
)
_ACCOUNTS: Slot[dict[str, Any]] = Slot("finance.accounts_locked")  # by the batch's preparation


async def lock_accounts_of(session: AsyncSession, checks: Sequence[CheckCredit]) -> None:
    """Before a batch's handlers: lock (and read) the accounts of the customers its credit checks are for, in one
    statement. Each check then takes its account from here instead of locking it itself; the locks hold until
    the batch commits, and an upsert of an account in the batch drops it from here (it is read again).

    Then, under those locks (everything that changes a customer's exposure takes its account's lock first), the
    checks' situations in one statement, read ahead per customer (servicekit.unit.Batch): the first message of
    the batch about a customer is handed them, and the check it may be uses its own; a later message about that
    customer (a second check, a release) reads afresh, after what the earlier ones wrote."""
    codes = sorted({c.customer_code for c in checks})
    found = {r["customer_code"]: r for r in await _LOCK_ACCOUNTS.fetch(session, codes=codes)}
    Batch.of(session).set(_ACCOUNTS, {code: found.get(code) for code in codes})
    rows = await _SITUATIONS.fetch(
        session,
        order_nos=[c.order_no for c in checks],
        revisions=[c.revision for c in checks],
        customer_codes=[c.customer_code for c in checks],
    )
    ahead: dict[str, dict[tuple[str, int], Any]] = {}
    for check, row in zip(checks, rows, strict=True):
        ahead.setdefault(check.customer_code, {})[(check.order_no, check.revision)] = row
    Batch.of(session).put(_SITUATIONS_AHEAD, ahead)


async def _locked_account(session: AsyncSession, customer_code: str) -> Any:
    locked = Batch.of(session).get(_ACCOUNTS)
    if locked is not None and customer_code in locked:
        return locked[customer_code]  # None: no account (a missing row locks nothing, as below)
    return await _LOCK_ACCOUNTS.fetchrow(session, codes=[customer_code])


# What a check needs besides the account, in one round trip: an earlier decision on the same revision, the
# revision the order's hold is at, and the customer's exposure without this order; for a batch's checks at once
# (a row each, in their order), or for one.
_SITUATIONS = Statement(
    text(
        """
        SELECT p.order_no IS NOT NULL AS decided, p.approved, p.reason, p.credit_limit, p.exposure, p.requested,
          p.decided_at,
          (SELECT revision FROM credit_holds WHERE order_no = q.order_no) AS held_revision,"""
        + _exposure_columns("q.customer_code", "q.order_no")
        + """
        FROM unnest(CAST(:order_nos AS varchar[]), CAST(:revisions AS int[]), CAST(:customer_codes AS varchar[]))
          WITH ORDINALITY AS q(order_no, revision, customer_code, n)
        LEFT JOIN credit_checks AS p ON p.order_no = q.order_no AND p.revision = q.revision
        ORDER BY q.n
        """
    )
)
_SITUATIONS_AHEAD = "credit_situations"
_CHECK = insert_of(
    credit_checks,
    "order_no",
    "revision",
    "customer_code",
    "approved",
    "reason",
    "requested",
    "credit_limit",
    "exposure",
    "currency",
    "decided_at",
)
_CHECKED = Statement(_CHECK)
_HOLD = insert_of(credit_holds, "order_no", "customer_code", "revision", "amount", "invoiced", "active", "updated_at")
# An approval: the decision and the order's hold in one statement (their shared parameters are the same values).
_CHECKED_AND_HELD = Statement(
    _HOLD.on_conflict_do_update(
        index_elements=[credit_holds.c.order_no],
        set_={
            "revision": _HOLD.excluded.revision,
            "amount": _HOLD.excluded.amount,
            "active": True,
            "updated_at": _HOLD.excluded.updated_at,
        },
    ).add_cte(_CHECK.cte("checked"))
)


async def check_credit(c: FinanceUnit, msg: CheckCredit) -> None:
    account = await _locked_account(c.session, msg.customer_code)
    ahead = Batch.of(c.session).take(_SITUATIONS_AHEAD, msg.customer_code)
    situation = None if ahead is MISSING else ahead.get((msg.order_no, msg.revision))
    if situation is None:
        situation = await _SITUATIONS.fetchrow(
            c.session, order_nos=[msg.order_no], revisions=[msg.revision], customer_codes=[msg.customer_code]
        )
    if situation["decided"]:  # the same check again: the same answer, no second effect
        c.publish(_reply(msg, _decision_of(situation), situation["decided_at"]))
        return
    held_revision = situation["held_revision"]
    if held_revision is not None and held_revision > msg.revision:
        log.info("ignoring CheckCredit %s r%d: revision %d already held", msg.order_no, msg.revision, held_revision)
        return
    current = _exposure_of(situation) if account is not None else ZERO
    decision = decide_credit(
        known=account is not None,
        active=bool(account and account["active"]),
        credit_limit=account["credit_limit"] if account else ZERO,
        exposure=current,
        requested=msg.amount,
    )
    checked = {
        "order_no": msg.order_no,
        "revision": msg.revision,
        "customer_code": msg.customer_code,
        "approved": decision.approved,
        "reason": decision.reason,
        "requested": msg.amount,
        "credit_limit": decision.credit_limit,
        "exposure": decision.exposure,
        "currency": msg.currency,
        "decided_at": c.now,
    }
    if decision.approved:
        await _CHECKED_AND_HELD.defer(
            c.session, **checked, amount=msg.amount, invoiced=ZERO, active=True, updated_at=c.now
        )
    else:
        await _CHECKED.defer(c.session, **checked)
    c.publish(_reply(msg, decision, c.now))


def _decision_of(row: Any) -> CreditDecision:
    return CreditDecision(row["approved"], row["reason"], row["credit_limit"], row["exposure"], row["requested"])


def _reply(msg: CheckCredit, d: CreditDecision, at: Any) -> CreditApproved | CreditRefused:
    if d.approved:
        return CreditApproved(
            order_no=msg.order_no,
            revision=msg.revision,
            customer_code=msg.customer_code,
            amount=d.requested,
            currency=msg.currency,
            credit_limit=d.credit_limit,
            exposure=d.exposure + d.requested,
            approved_at=at,
        )
    return CreditRefused(
        order_no=msg.order_no,
        revision=msg.revision,
        customer_code=msg.customer_code,
        reason=d.reason or "credit_limit",
        credit_limit=d.credit_limit,
        exposure=d.exposure,
        requested=d.requested,
        currency=msg.currency,
        refused_at=at,
    )


async def release_hold(c: FinanceUnit, order_no: str, customer_code: str, reason: str, *, always_reply: bool) -> None:
    """Drop the order's hold (what it has not yet invoiced). Idempotent: a second call releases 0."""
    hold = (
        await c.session.execute(
            update(credit_holds)
            .where(credit_holds.c.order_no == order_no, credit_holds.c.active)
            .values(active=False, updated_at=c.now)
            .returning(credit_holds.c.amount, credit_holds.c.invoiced, credit_holds.c.customer_code)
        )
    ).first()
    released = max(hold.amount - hold.invoiced, ZERO) if hold else ZERO
    if always_reply or released > 0:
        c.publish(
            SettlementVoided(
                order_no=order_no,
                customer_code=hold.customer_code if hold else customer_code,
                released_amount=released,
                reason=reason,
                voided_at=c.now,
            )
        )

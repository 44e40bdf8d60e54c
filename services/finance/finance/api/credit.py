"""Credit accounts: limit, exposure, what is left, the holds behind it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from finance.api import CreditReader, plain
from finance.config import RuntimeDep
from finance.db import credit_accounts, credit_holds
from finance.handlers.credit import exposure
from servicekit.errors import NotFoundError

router = APIRouter(tags=["credit"])


@router.get("/credit-accounts/{customer_code}")
async def get_credit_account(customer_code: str, runtime: RuntimeDep, _: CreditReader) -> Any:
    async with runtime.db.transaction() as s:
        account = (
            await s.execute(select(credit_accounts).where(credit_accounts.c.customer_code == customer_code))
        ).first()
        if account is None:
            raise NotFoundError("credit account", customer_code)
        used = await exposure(s, customer_code)
        holds = (
            await s.execute(
                select(credit_holds)
                .where(credit_holds.c.customer_code == customer_code, credit_holds.c.active)
                .order_by(credit_holds.c.order_no)
            )
        ).all()
    return plain(
        {
            "customer_code": customer_code,
            "name": account.name,
            "credit_limit": account.credit_limit,
            "payment_terms_days": account.payment_terms_days,
            "currency": account.currency,
            "active": account.active,
            "exposure": used,
            "available": account.credit_limit - used,
            "holds": [
                {"order_no": h.order_no, "revision": h.revision, "amount": h.amount, "invoiced": h.invoiced}
                for h in holds
            ],
        }
    )

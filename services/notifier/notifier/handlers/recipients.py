"""Who gets an alert, and at which addresses: roles and users (in-app; email and phone from contacts),
literal addresses, the document's customer or supplier (`$customer`, `$supplier`), and `$field` roles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.config import NotifierSettings, WebhookEndpoint
from notifier.db import contacts, order_customers, parties, webhook_endpoints
from notifier.rules import SEVERITY_RANK


@dataclass
class Resolved:
    inbox: list[tuple[str, str]] = field(default_factory=list)  # (user|role, name)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)

    def contract_recipients(self) -> list[dict[str, str]]:
        found = [{"kind": k, "address": a} for k, a in self.inbox]
        found += [{"kind": "email", "address": a} for a in self.emails]
        found += [{"kind": "phone", "address": a} for a in self.phones]
        found += [{"kind": "webhook", "address": a} for a in self.webhooks]
        return found


def _add(target: list[str], values: Sequence[str]) -> None:
    for value in values:
        if value and value not in target:
            target.append(value)


async def resolve(
    session: AsyncSession,
    settings: NotifierSettings,
    *,
    recipients: Sequence[Mapping[str, str]],
    channels: Sequence[str],
    context: Mapping[str, Any],
    severity: str,
    webhook_names: Sequence[str] | None,
) -> Resolved:
    out = Resolved()
    people: list[tuple[str, str]] = []
    for r in recipients:
        kind, address = r["kind"], r["address"]
        if kind in ("role", "user"):
            name = str(context.get(address[1:]) or "") if address.startswith("$") else address
            if name and (kind, name) not in people:
                people.append((kind, name))
        elif address in ("$customer", "$supplier"):
            party = await _party(session, address[1:], context)
            if party is not None:
                _add(out.emails if kind == "email" else out.phones, [party.email if kind == "email" else party.phone])
        else:
            _add(out.emails if kind == "email" else out.phones, [address])
    if "in_app" in channels:
        out.inbox = list(people)
    if people and ("email" in channels or "sms" in channels):
        rows = (
            await session.execute(select(contacts).where(tuple_(contacts.c.kind, contacts.c.name).in_(people)))
        ).all()
        for row in rows:
            _add(out.emails, row.emails)
            _add(out.phones, row.phones)
    if "email" not in channels:
        out.emails = []
    if "sms" not in channels:
        out.phones = []
    if "webhook" in channels:
        out.webhooks = [
            e.name
            for e in await endpoints(session, settings)
            if e.enabled
            and SEVERITY_RANK[severity] >= SEVERITY_RANK[e.min_severity]
            and (webhook_names is None or e.name in webhook_names)
        ]
    return out


PARTY_ADDRESSES = ("$customer", "$supplier")


async def unreachable(
    session: AsyncSession, recipients: Sequence[Mapping[str, str]], channels: Sequence[str], context: Mapping[str, Any]
) -> bool:
    """A rule addressed only to the document's customer or supplier (`$customer`, `$supplier`) whose party has no
    address on its channels reaches no one: no inbox, nothing to deliver. Such a rule raises nothing (a customer
    without an email gets no confirmation; an alert for no reader would only fill the table). False for any rule
    with another recipient, which is raised as before."""
    if not recipients or any(r["address"] not in PARTY_ADDRESSES for r in recipients):
        return False
    for r in recipients:
        party = await _party(session, r["address"][1:], context)
        if party is None:
            continue
        if (r["kind"] == "email" and "email" in channels and party.email) or (
            r["kind"] == "phone" and "sms" in channels and party.phone
        ):
            return False
    return True


async def _party(session: AsyncSession, kind: str, context: Mapping[str, Any]) -> Any:
    code = context.get(f"{kind}_code")
    if not code and kind == "customer" and context.get("order_no"):  # an order's event without its customer
        code = await session.scalar(
            select(order_customers.c.customer_code).where(order_customers.c.order_no == context["order_no"])
        )
    if not code:
        return None
    return (await session.execute(select(parties).where(parties.c.kind == kind, parties.c.code == code))).first()


async def endpoints(session: AsyncSession, settings: NotifierSettings) -> list[WebhookEndpoint]:
    """Webhook endpoints from the table, then those from the environment not overridden by name."""
    rows = (await session.execute(select(webhook_endpoints))).mappings().all()
    found = [WebhookEndpoint.model_validate(dict(row)) for row in rows]
    names = {e.name for e in found}
    return found + [e for e in settings.webhooks if e.name not in names]


async def endpoint(session: AsyncSession, settings: NotifierSettings, name: str) -> WebhookEndpoint | None:
    for e in await endpoints(session, settings):
        if e.name == name:
            return e
    return None

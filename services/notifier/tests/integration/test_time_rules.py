"""Time rules with two replicas ticking on one database: an overdue PO and the invoice dunning schedule
fire at the right clock times, once each; a paid invoice never does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.finance import PaymentAllocated
from notifier.db import alerts, cases, watches
from servicekit.testing import auth

pytestmark = pytest.mark.integration


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_overdue_po_and_dunning_fire_once_at_the_right_times_with_two_replicas(
    notifier_factory: Any, smtp_server: Any, make: Any
) -> None:
    async with notifier_factory(smtp_port=smtp_server.port) as a, notifier_factory() as b:
        assert a.runtime is not b.runtime and a.clock is b.clock
        clock = a.clock
        po = make.po_no()
        customer = f"C-{make.seq()}"
        invoice = make.invoice(customer, due="2026-03-20")
        paid = make.invoice(customer, due="2026-03-20")
        envs = [
            await a.publish(make.customer(customer, "ap@customer.example")),
            await a.publish(make.po_sent(po, expected="2026-03-10")),
            await b.publish(invoice),
            await b.publish(paid),
        ]
        await a.processed(*envs)
        envs = [
            await a.publish(
                PaymentAllocated(
                    order_no=paid.order_no,
                    payment_no=f"PAY-2026-{make.seq():09d}",
                    invoice_no=paid.invoice_no,
                    customer_code=customer,
                    amount=Decimal("113.00"),
                    invoice_outstanding=Decimal("0.00"),
                    invoice_status="paid",
                    allocated_at=make.start,
                )
            )
        ]
        await a.processed(*envs)
        assert await a.scalar(select(func.count()).select_from(watches).where(watches.c.cleared_at.is_(None))) >= 2

        async def fired() -> dict[str, int]:
            rows = await a.rows(
                select(alerts.c.rule_code, func.count())
                .where(
                    alerts.c.subject_id.in_([po, invoice.invoice_no, paid.invoice_no]),
                    alerts.c.rule_code != "case_escalated",
                )  # cases past their SLA re-alert: not counted here
                .group_by(alerts.c.rule_code)
            )
            return {code: n for code, n in rows}

        async def tick_at(moment: str) -> dict[str, int]:
            clock.set(at(moment))
            ran = await asyncio.gather(a.tick(), b.tick())  # concurrently: the advisory lock lets one run
            assert sum(1 for r in ran if r[0]) >= 1
            await a.tick()
            await b.tick()  # and again, one after the other: nothing fires twice
            return await fired()

        # Dates count from midnight Asia/Shanghai (UTC+8).
        assert await tick_at("2026-03-13T23:59:00+08:00") == {}
        assert await tick_at("2026-03-14T00:00:00+08:00") == {"po_overdue_3d": 1}
        assert await tick_at("2026-03-16T23:59:00+08:00") == {"po_overdue_3d": 1}
        assert await tick_at("2026-03-17T00:00:00+08:00") == {"po_overdue_3d": 1, "invoice_due_in_3d": 1}
        assert await tick_at("2026-03-26T23:00:00+08:00") == {"po_overdue_3d": 1, "invoice_due_in_3d": 1}
        assert await tick_at("2026-03-27T00:00:00+08:00") == {
            "po_overdue_3d": 1,
            "invoice_due_in_3d": 1,
            "invoice_overdue_7d": 1,
        }
        assert await tick_at("2026-04-19T00:00:00+08:00") == {
            "po_overdue_3d": 1,
            "invoice_due_in_3d": 1,
            "invoice_overdue_7d": 1,
            "invoice_overdue_30d": 1,
        }
        # each alert names the right subject; nothing for the paid invoice
        rows = await a.rows(select(alerts.c.rule_code, alerts.c.subject_id, alerts.c.raised_at))
        subjects = {
            code: (subject, raised)
            for code, subject, raised in rows
            if subject in (po, invoice.invoice_no, paid.invoice_no)
        }
        assert subjects["po_overdue_3d"] == (po, at("2026-03-14T00:00:00+08:00"))
        assert subjects["invoice_overdue_7d"][0] == invoice.invoice_no
        assert all(subject != paid.invoice_no for subject, _ in subjects.values())

        # the PO overdue and the 30-day overdue invoice opened exception cases
        case_types = {
            r[0]
            for r in await a.rows(select(cases.c.case_type).where(cases.c.subject_id.in_([po, invoice.invoice_no])))
        }
        assert case_types == {"po_overdue", "invoice_overdue"}

        # the customer got the dunning emails ("due in 3 days" and "7 days overdue") on the real SMTP server
        clock.set(at("2026-04-19T00:00:00+08:00"))
        while await a.deliver():
            pass
        to_customer = [m for m in smtp_server.mails if m.rcpt_tos == ["ap@customer.example"]]
        assert len(to_customer) == 2
        assert all(invoice.invoice_no.encode() in m.content or b"=?utf-8?" in m.content for m in to_customer)

        r = await a.client.get("/api/v1/alerts", params={"subject_id": invoice.invoice_no}, headers=auth("finance"))
        assert {x["rule_code"] for x in r.json()} == {"invoice_due_in_3d", "invoice_overdue_7d", "invoice_overdue_30d"}

"""Rules are data: CRUD through the API with roles, 422 naming the field, audit; an edited rule takes
effect on the next event; shipped defaults exist; a customer-facing rule emails the customer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.inventory import ShipmentDispatched, ShippedLine
from contracts.sales import OrderPlaced, OrderRejected
from notifier.db import alerts, kit
from servicekit.testing import auth

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def rule(code: str, **over: Any) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "event",
        "event_type": "OrderRejected",
        "severity": "warning",
        "conditions": [{"path": "reason", "op": "in", "value": ["timeout"]}],
        "recipients": [{"kind": "role", "address": "sales_manager"}],
        "channels": ["in_app"],
        "template_key": "order_rejected",
        **over,
    }


async def test_rules_crud_roles_validation_and_audit(notifier_factory: Any) -> None:
    async with notifier_factory() as n:
        defaults = (await n.client.get("/api/v1/rules", headers=auth("auditor"))).json()
        codes = {r["code"] for r in defaults}
        assert {
            "po_short_receipt",
            "po_overdue_3d",
            "invoice_overdue_30d",
            "low_stock",
            "stocktake_variance",
            "bill_held",
            "order_shipped_customer",
            "approval_pending_24h",
            "dunning_reminder",
        } <= codes
        assert (await n.client.post("/api/v1/rules", json=rule("x1"), headers=auth("sales_manager"))).status_code == 403
        assert (await n.client.get("/api/v1/rules")).status_code == 401
        for bad, field in [
            ({"event_type": "NoSuchEvent"}, "event_type"),
            ({"conditions": [{"path": "reason", "op": "gt", "value": "abc"}]}, "conditions"),
            ({"conditions": [{"path": "reason", "op": "like", "value": "a"}]}, "conditions"),
            ({"recipients": [{"kind": "role", "address": "boss"}]}, "recipients"),
            ({"template_key": "nope"}, "template_key"),
            ({"channels": []}, "channels"),
            ({"kind": "time", "watch_type": "po_expected"}, "offset_minutes"),
            ({"kind": "time", "offset_minutes": 5}, "watch_type"),
        ]:
            r = await n.client.post("/api/v1/rules", json=rule("x2", **bad), headers=auth("admin"))
            assert r.status_code == 422, (bad, r.text)
            assert any(field in e["field"] for e in r.json()["errors"]), r.json()
        r = await n.client.post("/api/v1/rules", json=rule("timeouts"), headers=auth("admin", sub="ops"))
        assert r.status_code == 201, r.text
        assert (await n.client.post("/api/v1/rules", json=rule("timeouts"), headers=auth("admin"))).status_code == 409
        body = rule("timeouts", severity="critical")
        del body["code"]
        r = await n.client.put("/api/v1/rules/timeouts", json=body, headers=auth("admin"))
        assert r.status_code == 200 and r.json()["severity"] == "critical"
        assert (await n.client.get("/api/v1/rules/timeouts", headers=auth("finance_manager"))).json()[
            "severity"
        ] == "critical"
        assert (await n.client.delete("/api/v1/rules/timeouts", headers=auth("admin"))).status_code == 204
        assert (await n.client.get("/api/v1/rules/timeouts", headers=auth("admin"))).status_code == 404
        actions = await n.rows(
            select(kit.audit_log.c.action).where(kit.audit_log.c.entity_id == "timeouts").order_by(kit.audit_log.c.id)
        )
        assert [a for (a,) in actions] == ["created", "updated", "deleted"]


async def test_an_edited_rule_applies_to_the_next_event(notifier_factory: Any, make: Any) -> None:
    async with notifier_factory() as n:
        assert (
            await n.client.post("/api/v1/rules", json=rule("timeouts", enabled=False), headers=auth("admin"))
        ).status_code == 201
        first, second = f"SO-2026-{make.seq():09d}", f"SO-2026-{make.seq():09d}"
        env = await n.publish(OrderRejected(order_no=first, customer_code="C1", reason="timeout", rejected_at=T0))
        await n.processed(env)
        body = rule("timeouts")
        del body["code"]
        await n.client.put("/api/v1/rules/timeouts", json=body, headers=auth("admin"))
        env = await n.publish(OrderRejected(order_no=second, customer_code="C1", reason="timeout", rejected_at=T0))
        await n.processed(env)
        fired = await n.rows(select(alerts.c.subject_id).where(alerts.c.rule_code == "timeouts"))
        assert [s for (s,) in fired] == [second]
        # the default saga-compensated rule fired for both
        n_default = await n.scalar(
            select(func.count())
            .select_from(alerts)
            .where(alerts.c.rule_code == "order_rejected", alerts.c.subject_id.in_([first, second]))
        )
        assert n_default == 2


async def test_your_order_shipped_goes_to_the_customer_by_email(
    notifier_factory: Any, smtp_server: Any, make: Any
) -> None:
    from contracts.common import Amounts, OrderLine

    async with notifier_factory(smtp_port=smtp_server.port) as n:
        code, seq = f"C-{make.seq()}", make.seq()
        order_no, do_no = f"SO-2026-{seq:09d}", f"DO-2026-{seq:09d}"
        envs = [
            await n.publish(make.customer(code, "buyer@customer.example")),
            await n.publish(
                OrderPlaced(
                    order_no=order_no,
                    customer_code=code,
                    channel="web",
                    lines=[OrderLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_price=Decimal("10.00"))],
                    totals=Amounts(net=Decimal("10.00"), tax=Decimal("0.00"), gross=Decimal("10.00")),
                    placed_at=T0,
                )
            ),
        ]
        await n.processed(*envs)
        env = await n.publish(
            ShipmentDispatched(
                do_no=do_no,
                order_no=order_no,
                warehouse_code="WH1",
                carrier="SF Express",
                tracking_no="SF123",
                lines=[ShippedLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_cost=Decimal("5"))],
                shipped_at=T0,
            )
        )
        await n.processed(env)
        assert await n.deliver() == 1
        [mail] = smtp_server.mails
        assert mail.rcpt_tos == ["buyer@customer.example"]
        from email import message_from_bytes

        text = message_from_bytes(mail.content).get_payload(decode=True).decode()
        assert order_no in text and "SF123" in text and f"客户 {code}" in text


async def test_the_customer_gets_the_tracking_link_on_confirmation_and_shipment(
    notifier_factory: Any, smtp_server: Any, make: Any
) -> None:
    from email import message_from_bytes

    from contracts.common import Amounts, OrderLine
    from contracts.sales import OrderConfirmed

    async with notifier_factory(smtp_port=smtp_server.port, tracking_base_url="https://track.example.com/") as n:
        code, seq = f"C-{make.seq()}", make.seq()
        order_no, do_no = f"SO-2026-{seq:09d}", f"DO-2026-{seq:09d}"
        lines = [OrderLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_price=Decimal("10.00"))]
        totals = Amounts(net=Decimal("10.00"), tax=Decimal("0.00"), gross=Decimal("10.00"))
        placed = OrderPlaced(
            order_no=order_no, customer_code=code, channel="web", lines=lines, totals=totals, placed_at=T0,
            tracking_token="tok-secret-1",
        )  # fmt: skip
        envs = [await n.publish(make.customer(code, "buyer@customer.example")), await n.publish(placed)]
        await n.processed(*envs)
        confirmed = OrderConfirmed(
            order_no=order_no, customer_code=code, channel="web", lines=lines, totals=totals, payment_terms_days=30,
            confirmed_at=T0,
        )  # fmt: skip
        shipped = ShipmentDispatched(
            do_no=do_no, order_no=order_no, warehouse_code="WH1", carrier="SF Express", tracking_no="SF123",
            lines=[ShippedLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_cost=Decimal("5"))], shipped_at=T0,
        )  # fmt: skip
        await n.processed(await n.publish(confirmed), await n.publish(shipped))
        assert await n.deliver() == 2
        link = f"https://track.example.com/track/{order_no}?token=tok-secret-1"
        texts = [message_from_bytes(m.content).get_payload(decode=True).decode() for m in smtp_server.mails]
        assert all(link in t for t in texts) and len(texts) == 2, texts
        assert any("已确认" in t and "10.00" in t for t in texts) and any("SF123" in t for t in texts)


async def test_a_customer_without_an_address_gets_no_notice_and_no_alert_is_stored(
    notifier_factory: Any, smtp_server: Any, make: Any
) -> None:
    """`order_confirmed_customer` and `order_shipped_customer` are addressed to the customer only: one with no
    email reaches no one, so nothing is raised; the same events for a customer with an email raise and send."""
    from contracts.common import Amounts, OrderLine
    from contracts.sales import OrderConfirmed

    async with notifier_factory(smtp_port=smtp_server.port) as n:
        lines = [OrderLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_price=Decimal("10.00"))]
        totals = Amounts(net=Decimal("10.00"), tax=Decimal("0.00"), gross=Decimal("10.00"))
        subjects: dict[str, tuple[str, str]] = {}  # the order and its outbound order, by the customer's email
        for email in (None, "buyer@customer.example"):
            code, seq = f"C-{make.seq()}", make.seq()
            order_no, do_no = f"SO-2026-{seq:09d}", f"DO-2026-{seq:09d}"
            subjects[email or ""] = (order_no, do_no)
            customer = make.customer(code, "x@example.com").model_copy(update={"email": email})
            placed = OrderPlaced(
                order_no=order_no, customer_code=code, channel="web", lines=lines, totals=totals, placed_at=T0,
                tracking_token=f"tok-{seq}",
            )  # fmt: skip
            confirmed = OrderConfirmed(
                order_no=order_no, customer_code=code, channel="web", lines=lines, totals=totals,
                payment_terms_days=30, confirmed_at=T0,
            )  # fmt: skip
            shipped = ShipmentDispatched(
                do_no=do_no, order_no=order_no, warehouse_code="WH1", carrier="SF Express",
                tracking_no=f"SF{seq}",
                lines=[ShippedLine(line_no=1, sku="SKU-1", qty=Decimal("1"), unit_cost=Decimal("5"))], shipped_at=T0,
            )  # fmt: skip
            await n.processed(await n.publish(customer), await n.publish(placed))
            await n.processed(await n.publish(confirmed), await n.publish(shipped))
        async with n.runtime.db.transaction() as s:
            raised = (
                await s.execute(
                    select(alerts.c.subject_id, alerts.c.rule_code).where(
                        alerts.c.subject_id.in_([s for pair in subjects.values() for s in pair]),
                        alerts.c.rule_code.in_(["order_confirmed_customer", "order_shipped_customer"]),
                    )
                )
            ).all()
        order_no, do_no = subjects["buyer@customer.example"]
        assert sorted(raised) == [(do_no, "order_shipped_customer"), (order_no, "order_confirmed_customer")]
        assert await n.deliver() == 2
        assert {m.rcpt_tos[0] for m in smtp_server.mails} == {"buyer@customer.example"}

"""The wiring as deployed: background ticks and the delivery worker loop run by themselves."""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.testing import auth, eventually

pytestmark = pytest.mark.integration


async def test_background_worker_delivers_without_being_driven(
    notifier_factory: Any, smtp_server: Any, make: Any
) -> None:
    async with notifier_factory(
        smtp_port=smtp_server.port,
        start_scheduler=True,
        start_delivery_worker=True,
        scheduler_seconds=0.2,
        delivery_poll_seconds=0.1,
    ) as n:
        await n.client.put(
            "/api/v1/contacts/role/purchaser", json={"emails": ["bg@example.com"]}, headers=auth("admin")
        )
        await n.publish(make.anomaly(make.po_no(), "short_shipment"))

        async def mails() -> int:
            return len(smtp_server.mails)

        await eventually(mails, lambda k: k == 1, timeout=20)
        assert smtp_server.mails[0].rcpt_tos == ["bg@example.com"]

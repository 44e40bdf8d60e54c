"""Nothing is dropped when a notifier dies mid-delivery: the claimed delivery's lease expires and the
next pass (any replica) sends it. And SMTP with authentication against a real server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifier.config import NotifierSettings
from notifier.delivery import worker
from servicekit.testing import auth

pytestmark = pytest.mark.integration


async def test_a_delivery_claimed_by_a_crashed_worker_is_sent_after_its_lease(
    notifier_factory: Any, http_server: Any, make: Any
) -> None:
    async with notifier_factory(delivery_lease_seconds=120) as n:
        r = await n.client.put(
            "/api/v1/channels/webhooks/hook",
            json={"kind": "generic", "url": http_server.url("/h")},
            headers=auth("admin"),
        )
        assert r.status_code == 200
        env = await n.publish(make.anomaly(make.po_no(), "short_shipment"))
        await n.processed(env)
        settings = cast(NotifierSettings, n.runtime.settings)
        # a worker claims the delivery, then dies before sending or recording anything
        claimed = await worker._claim(n.runtime, settings, n.clock.now())
        assert [j.channel for j in claimed] == ["webhook"]
        assert await n.deliver() == 0  # leased: no other worker takes it meanwhile
        n.clock.advance(timedelta(seconds=120))
        assert await n.deliver() == 1
        assert len(http_server.hits) == 1
        [d] = (await n.client.get("/api/v1/deliveries", headers=auth("admin"))).json()
        assert (d["status"], d["attempts"]) == ("delivered", 2)  # the lost attempt counts


class _Collect:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append(envelope)
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"notifier", b"pw-123")
    return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_email_with_smtp_authentication(notifier_factory: Any, make: Any) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Collect()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        async with notifier_factory(
            smtp_port=port, smtp_username="notifier", smtp_password="pw-123", smtp_from="alerts@platform.example"
        ) as n:
            await n.client.put(
                "/api/v1/contacts/role/purchaser", json={"emails": ["p@example.com"]}, headers=auth("admin")
            )
            env = await n.publish(make.anomaly(make.po_no(), "short_shipment"))
            await n.processed(env)
            assert await n.deliver() == 1
            [mail] = handler.mails
            assert mail.mail_from == "alerts@platform.example" and mail.rcpt_tos == ["p@example.com"]
    finally:
        controller.stop()

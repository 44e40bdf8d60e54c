"""The customer API on the real database and broker: security, validation, and the published event."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from sales.config import SalesSettings
from sales.db import customers, kit
from sales.main import create_app
from servicekit.testing import Infra, TopicTail, auth, runtime_of, serve, service_settings

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(infra: Infra, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = await service_settings(SalesSettings, infra, database_url)
    async with serve(create_app(settings)) as c:
        yield c


def body(code_: str, **over: object) -> dict[str, object]:
    return {"code": code_, "name": "华东贸易有限公司", "credit_limit": "50000.00", "payment_terms_days": 30, **over}


async def count(client: httpx.AsyncClient, table=customers) -> int:  # type: ignore[no-untyped-def]
    runtime = runtime_of(client)
    async with runtime.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def test_without_token_401_wrong_role_403(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/customers", json=body("C1"))
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/v1/customers", json=body("C1"), headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401
    r = await client.post("/api/v1/customers", json=body("C1"), headers=auth("warehouse"))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert await count(client) == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"credit_limit": "-1"}, "credit_limit"),
        ({"credit_limit": "12.345"}, "credit_limit"),
        ({"payment_terms_days": "soon"}, "payment_terms_days"),
        ({"currency": "yuan"}, "currency"),
        ({"code": ""}, "code"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_invalid_body_422_names_the_field_and_stores_nothing(
    client: httpx.AsyncClient, over: dict[str, object], field: str
) -> None:
    r = await client.post("/api/v1/customers", json=body("C2", **over), headers=auth("sales_manager"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert field in [e["field"] for e in problem["errors"]]
    assert all(e["reason"] for e in problem["errors"])
    assert await count(client) == 0
    assert await count(client, kit.outbox) == 0
    assert await count(client, kit.audit_log) == 0


async def test_create_publishes_customer_upserted_and_audits(infra: Infra, client: httpx.AsyncClient) -> None:
    code = f"CUST-{uuid.uuid4().hex[:8]}"
    async with TopicTail(infra.kafka_bootstrap, "sales.customers") as tail:
        r = await client.post("/api/v1/customers", json=body(code), headers=auth("sales_manager", sub="li.lei"))
        assert r.status_code == 201, r.text
        assert r.json()["credit_limit"] == "50000.00"
        records = await tail.wait_for(lambda rs: any(x.key == code.encode() for x in rs))
    event = json.loads(next(x for x in records if x.key == code.encode()).value)
    assert event["type"] == "CustomerUpserted"
    assert event["producer"] == "sales"
    assert event["payload"]["credit_limit"] == "50000.00"
    r = await client.get(f"/api/v1/customers/{code}", headers=auth("auditor"))
    assert r.status_code == 200 and r.json()["name"] == "华东贸易有限公司"
    assert (await client.post("/api/v1/customers", json=body(code), headers=auth("auditor"))).status_code == 403
    runtime = runtime_of(client)
    async with runtime.db.transaction() as s:
        row = (await s.execute(select(kit.audit_log).where(kit.audit_log.c.entity_id == code))).one()
    assert (row.actor, row.action, row.before) == ("li.lei", "created", None)


async def test_idempotency_key_replays_the_first_response(client: httpx.AsyncClient) -> None:
    headers = {**auth("sales_manager"), "Idempotency-Key": "k-1"}
    first = await client.post("/api/v1/customers", json=body("C3"), headers=headers)
    again = await client.post("/api/v1/customers", json=body("C3"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    # One effect: one audit entry (written in the transaction that also wrote the one CustomerUpserted; outbox
    # rows themselves are deleted by the relay once published).
    assert await count(client, kit.audit_log) == 1
    other = await client.post("/api/v1/customers", json=body("C3", name="other"), headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


async def test_update_replaces_the_customer_audited_with_what_it_was_and_publishes_it(
    infra: Infra, client: httpx.AsyncClient
) -> None:
    code = f"CUST-{uuid.uuid4().hex[:8]}"
    manager = auth("sales_manager", sub="han.mei")
    assert (await client.post("/api/v1/customers", json=body(code), headers=manager)).status_code == 201
    changed = {k: v for k, v in body(code, credit_limit="80000.00", active=False).items() if k != "code"}
    async with TopicTail(infra.kafka_bootstrap, "sales.customers") as tail:
        r = await client.put(f"/api/v1/customers/{code}", json=changed, headers=manager)
        assert r.status_code == 200, r.text
        assert (r.json()["code"], r.json()["credit_limit"], r.json()["active"]) == (code, "80000.00", False)
        records = await tail.wait_for(
            lambda rs: any(x.key == code.encode() and b'"80000.00"' in (x.value or b"") for x in rs)
        )
    event = next(json.loads(x.value) for x in records if x.key == code.encode() and b'"80000.00"' in x.value)
    assert (event["type"], event["payload"]["active"]) == ("CustomerUpserted", False)
    runtime = runtime_of(client)
    async with runtime.db.transaction() as s:
        rows = (
            await s.execute(select(kit.audit_log).where(kit.audit_log.c.entity_id == code).order_by(kit.audit_log.c.id))
        ).all()
    assert [(x.actor, x.action) for x in rows] == [("han.mei", "created"), ("han.mei", "updated")]
    assert rows[1].before["credit_limit"] == "50000.00" and rows[1].after["credit_limit"] == "80000.00"


async def test_update_of_an_unknown_customer_is_404_and_stores_nothing(client: httpx.AsyncClient) -> None:
    changed = {k: v for k, v in body("NOBODY").items() if k != "code"}
    r = await client.put("/api/v1/customers/NOBODY", json=changed, headers=auth("sales_manager"))
    assert r.status_code == 404, r.text
    assert await count(client) == 0
    assert await count(client, kit.audit_log) == 0

"""A supplier saved by hand (servicekit.masterdata, as customers are): created, then replaced by PUT, each time
audited (with the stored row before) and published as SupplierUpserted; an unknown supplier is 404."""

from __future__ import annotations

import json

import pytest
from purchasing_testkit import Harness, uid
from sqlalchemy import func, select

from contracts import topic_of
from contracts.purchasing import SupplierUpserted
from purchasing.db import kit, suppliers
from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration


def fields(**over: object) -> dict[str, object]:
    contact = {"name": "李四", "phone": "0574-1", "email": "li@example.com"}
    return {"name": "宁波五金", "contacts": [contact], "payment_terms_days": 60, "tolerance_pct": "5", **over}


async def test_update_replaces_the_supplier_audited_with_what_it_was_and_publishes_it(purchasing: Harness) -> None:
    code = uid("SUP")
    created = await purchasing.call("POST", "/suppliers", "purchaser", json={"code": code, **fields()}, expect=201)
    assert (created["code"], created["tolerance_pct"], created["contacts"][0]["name"]) == (code, "5", "李四")
    bootstrap = purchasing.runtime.settings.kafka_bootstrap
    async with TopicTail(bootstrap, topic_of(SupplierUpserted).name) as tail:
        changed = fields(name="宁波五金二厂", contacts=[], active=False)
        saved = await purchasing.call("PUT", f"/suppliers/{code}", "purchasing_manager", sub="mgr.zhao", json=changed)
        assert (saved["code"], saved["name"], saved["contacts"], saved["active"]) == (code, "宁波五金二厂", [], False)
        records = await tail.wait_for(lambda rs: any(r.key.decode() == code and "二厂" in r.value.decode() for r in rs))
    event = next(json.loads(r.value) for r in records if r.key.decode() == code and "二厂" in r.value.decode())
    assert (event["type"], event["payload"]["contacts"], event["payload"]["active"]) == ("SupplierUpserted", [], False)
    async with purchasing.runtime.db.transaction() as s:
        stored = (await s.execute(select(suppliers).where(suppliers.c.code == code))).one()
        audit = (
            await s.execute(select(kit.audit_log).where(kit.audit_log.c.entity_id == code).order_by(kit.audit_log.c.id))
        ).all()
    assert (stored.name, stored.contacts, stored.active) == ("宁波五金二厂", [], False)
    assert [(a.action, a.actor) for a in audit] == [("created", "buyer.wang"), ("updated", "mgr.zhao")]
    assert audit[1].before["name"] == "宁波五金" and audit[1].after["name"] == "宁波五金二厂"


async def test_update_of_an_unknown_supplier_is_404_and_stores_nothing(purchasing: Harness) -> None:
    code = uid("SUP")
    await purchasing.call("PUT", f"/suppliers/{code}", "purchaser", json=fields(), expect=404)
    async with purchasing.runtime.db.transaction() as s:
        found = await s.scalar(select(func.count()).select_from(suppliers).where(suppliers.c.code == code))
        audited = await s.scalar(
            select(func.count()).select_from(kit.audit_log).where(kit.audit_log.c.entity_id == code)
        )
    assert (found, audited) == (0, 0)

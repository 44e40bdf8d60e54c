"""Suppliers and their quotes imported from files (purchasing owns them): SupplierUpserted published, quotes
checked against suppliers and the product catalog, and the lists exported."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from purchasing_testkit import Harness
from sqlalchemy import insert

from contracts import topic_of
from contracts.purchasing import SupplierUpserted
from purchasing.db import products
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
BUYER_AUTH = auth("purchaser", sub="buyer.qian")


async def upload(h: Harness, kind: str, name: str, data: bytes, **params: Any) -> Any:
    params = {"dry_run": "false", "wait": 60, **params}
    r = await h.client.post(f"/api/v1/imports/{kind}", params=params, files={"file": (name, data)}, headers=BUYER_AUTH)
    assert r.status_code == 200, r.text
    return r.json()


async def test_suppliers_then_quotes(purchasing: Harness) -> None:
    code, sku = f"S-{uuid.uuid4().hex[:8]}", f"Q-{uuid.uuid4().hex[:8]}"
    async with purchasing.runtime.db.transaction() as s:
        await s.execute(insert(products).values(sku=sku, name="cup", updated_at=purchasing.clock.now()))
    suppliers = f"供应商编码,供应商名称,联系人,联系电话,账期天数,评分\n{code},宁波五金,李四,0574-1,60,85\n"
    async with TopicTail(purchasing.runtime.settings.kafka_bootstrap, topic_of(SupplierUpserted).name) as tail:
        job = await upload(purchasing, "suppliers", "s.csv", suppliers.encode())
        assert job["status"] == "committed", job
        records = await tail.wait_for(lambda rs: any(r.key.decode() == code for r in rs))
    assert "李四".encode() in next(r.value for r in records if r.key.decode() == code)

    quotes = (
        "供应商编码,产品编码,单价,最小起订量,交货天数,生效日期,失效日期\n"
        f"{code},{sku},12.50,100,7,2026-01-01,2026-12-31\n"
        f"NOPE,{sku},1,0,1,2026-01-01,\n"
        f"{code},NOSKU,1,0,1,2026-01-01,2025-01-01\n"
    )
    bad = await upload(purchasing, "quotes", "q.csv", quotes.encode(), mode="insert")
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(3, "supplier_code"), (4, "-")]
    assert "valid_to must not be before valid_from" in bad["errors"][1]["reason"]
    good = await upload(purchasing, "quotes", "q.csv", quotes.encode().split(b"\nNOPE")[0] + b"\n", mode="insert")
    assert good["status"] == "committed" and good["stored_rows"] == 1
    listed = (await purchasing.client.get("/api/v1/quotes", params={"sku": sku}, headers=BUYER_AUTH)).json()
    assert [(q["supplier_code"], q["unit_price"], q["lead_time_days"]) for q in listed] == [(code, "12.50", 7)]

    for path in ("/api/v1/suppliers", "/api/v1/quotes", "/api/v1/requisitions", "/api/v1/purchase-orders"):
        r = await purchasing.client.get(path, params={"format": "csv"}, headers=BUYER_AUTH)
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf"), path
    exported = await purchasing.client.get("/api/v1/suppliers", params={"format": "csv"}, headers=BUYER_AUTH)
    assert f"{code},宁波五金,李四,0574-1,,60,CNY,85.00" in exported.content.decode("utf-8-sig")

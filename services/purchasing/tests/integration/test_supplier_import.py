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


MANAGER_AUTH = auth("purchasing_manager", sub="mgr.zhou")


async def test_historical_purchase_orders_are_closed_documents_checked_as_a_whole(purchasing: Harness) -> None:
    code = f"S-{uuid.uuid4().hex[:8]}"
    job = await upload(
        purchasing, "suppliers", "s.csv", f"供应商编码,供应商名称,账期天数\n{code},老供应商,30\n".encode()
    )
    assert job["status"] == "committed", job
    a, b = f"CG-{uuid.uuid4().hex[:8]}", f"CG-{uuid.uuid4().hex[:8]}"
    header = "采购单号,订单日期,供应商编码,行号,产品编码,数量,单价,税率,订单含税总额\n"
    lines = [
        f"{a},2025-04-01,{code},1,SKU-A,100,12.345,0.13,",  # a price of 3 decimal places: refused
        f"{a},2025-04-01,{code},2,SKU-B,3,33.33,0.13,",
        f"{b},2025-04-02,NOSUCH,1,SKU-A,1,10.00,0,9.99",
    ]

    async def post(rows: list[str], **params: str) -> Any:
        files = {"file": ("po-history.csv", (header + "\n".join(rows) + "\n").encode())}
        r = await purchasing.client.post(
            "/api/v1/imports/historical-purchase-orders",
            params={"dry_run": "false", "mode": "insert", "wait": 60, **params},
            files=files,
            headers=MANAGER_AUTH,
        )
        return r.json()

    bad = await post(lines)
    assert bad["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(2, "单价"), (4, "supplier_code")]
    lines[0] = f"{a},2025-04-01,{code},1,SKU-A,100,12.35,0.13,"
    bad = await post(lines)  # every row valid now: the totals are checked too
    assert [(e["row"], e["column"], e["reason"]) for e in bad["errors"]] == [
        (4, "order_gross", f"the lines of {b} add up to 10.00"), (4, "supplier_code", "no such supplier"),
    ]  # fmt: skip
    lines[2] = f"{b},2025-04-02,{code},1,SKU-A,1,10.00,0,10.00"
    dry = await post(lines, dry_run="true")
    assert dry["status"] == "validated", dry
    done = await post(lines)
    assert done["status"] == "committed" and done["stored_rows"] == 3, done
    again = await post(lines)
    assert again["status"] == "duplicate"  # the same file twice imports once
    listed = (
        await purchasing.client.get(
            "/api/v1/historical-purchase-orders", params={"supplier_code": code}, headers=MANAGER_AUTH
        )
    ).json()
    # a: 100 × 12.35 = 1235.00 + 160.55 tax; 3 × 33.33 = 99.99 + 13.00 tax
    assert [(o["po_no"], o["net"], o["gross"]) for o in listed] == [(b, "10.00", "10.00"), (a, "1334.99", "1508.54")]
    live = (await purchasing.client.get("/api/v1/purchase-orders", params={"supplier_code": code},
                                        headers=MANAGER_AUTH)).json()  # fmt: skip
    assert live == []  # never run through approval, receipt or billing
    exported = await purchasing.client.get(
        "/api/v1/historical-purchase-orders", params={"supplier_code": code, "format": "csv"}, headers=MANAGER_AUTH
    )
    rows = exported.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 4 and rows[0].startswith("采购单号 / PO no,订单日期 / Order date")

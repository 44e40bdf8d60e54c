"""Customers imported from a file (sales owns them): dry run, commit, CustomerUpserted for finance, bad rows
naming their row; the customer list exported and imported back (its columns are the template's)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sales_testkit import Harness

from contracts import topic_of
from contracts.sales import CustomerUpserted
from servicekit.testing import TopicTail, auth

pytestmark = pytest.mark.integration
MANAGER = auth("sales_manager", sub="manager.zhao")
HEADER = "客户编码,客户名称,信用额度,账期天数,币种,邮箱\n"


async def upload(sales: Harness, name: str, data: bytes, **params: Any) -> Any:
    params = {"dry_run": "false", "wait": 60, **params}
    r = await sales.client.post(
        "/api/v1/imports/customers", params=params, files={"file": (name, data)}, headers=MANAGER
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_customers_import_publishes_and_round_trips_through_export(sales: Harness) -> None:
    codes = [f"IMP-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    body = HEADER + f"{codes[0]},华东贸易有限公司,50000.00,30,CNY,a@example.com\n{codes[1]},West Ltd,0,0,USD,\n"
    dry = await upload(sales, "c.csv", body.encode("gb18030"), dry_run="true")
    assert dry["status"] == "validated" and dry["valid_rows"] == 2
    assert (await sales.client.get(f"/api/v1/customers/{codes[0]}", headers=MANAGER)).status_code == 404

    async with TopicTail(sales.runtime.settings.kafka_bootstrap, topic_of(CustomerUpserted).name) as tail:
        done = await upload(sales, "c.csv", body.encode("gb18030"))
        assert done["status"] == "committed" and done["stored_rows"] == 2
        records = await tail.wait_for(lambda rs: {r.key.decode() for r in rs} >= set(codes))
    sent = [r for r in records if r.key.decode() == codes[0]]
    assert b'"credit_limit":"50000.00"' in sent[0].value and b'"payment_terms_days":30' in sent[0].value
    found = (await sales.client.get(f"/api/v1/customers/{codes[0]}", headers=MANAGER)).json()
    assert found["name"] == "华东贸易有限公司" and Decimal(found["credit_limit"]) == 50000

    exported = await sales.client.get("/api/v1/customers", params={"format": "xlsx"}, headers=MANAGER)
    assert exported.status_code == 200 and exported.headers["content-disposition"].startswith("attachment")
    back = await upload(sales, "customers.xlsx", exported.content, mode="update")
    assert back["status"] == "committed", back
    assert back["stored_rows"] >= 2


async def test_bad_customer_rows_are_all_reported_and_nothing_stored(sales: Harness) -> None:
    code = f"BAD-{uuid.uuid4().hex[:8]}"
    body = HEADER + f"{code},ok,-1,30,CNY,\n{code}-2,ok,10,400,cny,not-an-email\n"
    job = await upload(sales, "bad.csv", body.encode())
    assert job["status"] == "rejected" and job["error_count"] == 4
    assert [(e["row"], e["column"]) for e in job["errors"]] == [
        (2, "信用额度"),
        (3, "邮箱"),
        (3, "账期天数"),
        (3, "币种"),
    ]
    assert (await sales.client.get(f"/api/v1/customers/{code}-2", headers=MANAGER)).status_code == 404
    assert (await sales.client.get(f"/api/v1/customers/{code}", headers=MANAGER)).status_code == 404


async def test_orders_export_has_the_list_columns(sales: Harness) -> None:
    r = await sales.client.get("/api/v1/orders", params={"format": "csv"}, headers=auth("auditor"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.decode("utf-8-sig").splitlines()[0].startswith("订单号 / Order no,状态 / Status")


async def test_historical_orders_are_closed_documents_checked_as_a_whole(sales: Harness) -> None:
    customer = await sales.customer()
    a, b = f"OLD-{uuid.uuid4().hex[:8]}", f"OLD-{uuid.uuid4().hex[:8]}"
    header = "订单号,订单日期,客户编码,行号,产品编码,数量,单价,折扣,税率,订单含税总额\n"
    lines = [
        f"{a},2025-03-01,{customer},1,SKU-A,10,99.90,0.05,0.13,",
        f"{a},2025-03-01,{customer},2,SKU-B,3,33.33,0,0.13,1185.41",  # 1,072.46 + 112.95 = 1,185.42
        f"{b},2025-03-02,{customer},1,SKU-A,1,10.00,0,0,10.00",
        f"{b},2025-03-03,NOSUCH,2,SKU-B,1,5,0,0,",
    ]
    body = (header + "\n".join(lines) + "\n").encode()
    files = {"file": ("history.csv", body)}
    r = await sales.client.post(
        "/api/v1/imports/historical-orders", params={"dry_run": "false", "mode": "insert"}, files=files, headers=MANAGER
    )
    job = r.json()
    assert job["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [
        (3, "order_gross"),
        (4, "order_gross"),
        (5, "order_date"),
        (5, "customer_code"),
    ]
    assert "add up to 1185.42" in job["errors"][0]["reason"] and "row 4" in job["errors"][2]["reason"]

    lines[1] = lines[1].replace("1185.41", "1185.42")
    lines[3] = f"{b},2025-03-02,{customer},2,SKU-B,1,5,0,0,"
    lines[2] = f"{b},2025-03-02,{customer},1,SKU-A,1,10.00,0,0,15.00"
    body = (header + "\n".join(lines) + "\n").encode()
    files = {"file": ("history.csv", body)}
    job = (
        await sales.client.post(
            "/api/v1/imports/historical-orders",
            params={"dry_run": "false", "mode": "insert"},
            files=files,
            headers=MANAGER,
        )
    ).json()
    assert job["status"] == "committed" and job["stored_rows"] == 4, job
    listed = (
        await sales.client.get("/api/v1/historical-orders", params={"customer_code": customer}, headers=MANAGER)
    ).json()
    assert [(o["order_no"], o["gross"]) for o in listed] == [(b, "15.00"), (a, "1185.42")]
    live = (await sales.client.get("/api/v1/orders", params={"customer_code": customer}, headers=MANAGER)).json()
    assert live == []  # never run through the saga
    exported = await sales.client.get(
        "/api/v1/historical-orders", params={"customer_code": customer, "format": "csv"}, headers=MANAGER
    )
    assert len(exported.content.decode("utf-8-sig").splitlines()) == 5

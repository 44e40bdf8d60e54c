"""Bulk import (servicekit.tabular) of products and opening stock, on the real database and broker: templates,
dry runs, all-or-nothing commits, the same file twice, upsert, bad input (each storing nothing), error reports,
and the exports of inventory's lists."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from contracts import topic_of
from contracts.inventory import ProductUpserted
from inventory.config import InventorySettings
from inventory.main import create_app
from servicekit.testing import (
    Infra,
    TopicTail,
    auth,
    create_database,
    drop_database,
    runtime_of,
    serve,
    service_settings,
)

pytestmark = pytest.mark.integration
WH = auth("warehouse", sub="li.wh")
MAX_BYTES = 8 * 1024 * 1024


@pytest.fixture(scope="module")
async def client(infra: Infra) -> AsyncIterator[httpx.AsyncClient]:
    """One inventory service for the module (its own database; no consumers: imports need none)."""
    url = await create_database(infra)
    settings = await service_settings(
        InventorySettings, infra, url, start_consumers=False, import_max_bytes=MAX_BYTES, import_max_rows=150_000
    )
    try:
        async with serve(create_app(settings)) as c:
            yield c
    finally:
        await drop_database(infra, url)


def csv_file(header: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value, None, "3")
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, kind: str, name: str, data: bytes, *, dry_run: bool, mode: str = "upsert"
) -> httpx.Response:
    params: dict[str, Any] = {"dry_run": str(dry_run).lower(), "mode": mode, "wait": 60}
    return await client.post(f"/api/v1/imports/{kind}", params=params, files={"file": (name, data)}, headers=WH)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}".upper()


PRODUCT_HEADER = ["产品编码", "产品名称", "单位", "类别", "条码", "补货点"]


async def count_products(client: httpx.AsyncClient, category: str) -> int:
    r = await client.get("/api/v1/products", params={"category": category}, headers=WH)
    assert r.status_code == 200, r.text
    return len(r.json())


async def test_template_has_bilingual_headers_example_and_dropdowns(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/imports/products/template", headers=WH)
    assert r.status_code == 200, r.text
    assert "products-template-" in r.headers["content-disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    rows = book.get_sheet_by_name("data").to_python()
    assert rows[0][:2] == ["*产品编码 / SKU", "*产品名称 / Name"]
    assert rows[1][0] == "SKU-0001"  # the example row, a code kept as text
    with __import__("zipfile").ZipFile(io.BytesIO(r.content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation" in sheet and "lists!$H$1:$H$2" in sheet  # the 启用 / Active dropdown


async def test_dry_run_then_commit_then_same_file_again(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    skus = [uid("P") for _ in range(3)]
    rows = [
        [skus[0], "不锈钢保温杯 500ml 🥤", "pcs", cat, "", "5"],
        [skus[1], "Mug", "box", cat, f"{skus[1]}-B1;{skus[1]}-B2", "0"],
        [skus[2], "=1+2", "pcs", cat, "", ""],  # a formula's text is data, stored as written
    ]
    data = csv_file(PRODUCT_HEADER, rows, encoding="gb18030".replace("gb18030", "utf-8-sig"))
    dry = await upload(client, "products", "products.csv", data, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["status"] == "validated" and dry.json()["valid_rows"] == 3
    assert await count_products(client, cat) == 0  # a dry run stores nothing

    async with TopicTail(client_infra(client), topic_of(ProductUpserted).name) as tail:
        committed = await client.post(f"/api/v1/import-jobs/{dry.json()['id']}/commit", params={"wait": 60}, headers=WH)
        assert committed.status_code == 200, committed.text
        assert committed.json()["status"] == "committed" and committed.json()["stored_rows"] == 3
        await tail.wait_for(lambda recs: {r.key.decode() for r in recs} >= set(skus))
    r = await client.get(f"/api/v1/products/{skus[0]}", headers=WH)
    assert r.json()["name"] == "不锈钢保温杯 500ml 🥤" and Decimal(r.json()["reorder_point"]) == 5
    r = await client.get(f"/api/v1/products/{skus[1]}", headers=WH)
    assert r.json()["barcodes"] == [f"{skus[1]}-B1", f"{skus[1]}-B2"] and r.json()["unit"] == "box"
    assert (await client.get(f"/api/v1/products/{skus[2]}", headers=WH)).json()["name"] == "=1+2"

    again = await upload(client, "products", "renamed.csv", data, dry_run=False)
    assert again.json()["status"] == "duplicate", again.text
    assert again.json()["duplicate_of"] == committed.json()["id"] and again.json()["stored_rows"] is None
    assert await count_products(client, cat) == 3

    # the export escapes the formula-looking name; CSV in UTF-8 with BOM
    r = await client.get("/api/v1/products", params={"category": cat, "format": "csv"}, headers=WH)
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert 'attachment; filename="products-' in r.headers["content-disposition"]
    exported = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert exported[0][0] == "产品编码 / SKU" and len(exported) == 4
    assert [row[1] for row in exported if row[0] == skus[2]] == ["'=1+2"]


def client_infra(client: httpx.AsyncClient) -> str:
    runtime = runtime_of(client)
    return str(runtime.settings.kafka_bootstrap)


async def test_upsert_updates_and_insert_refuses_existing(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    sku = uid("P")
    first = await upload(
        client, "products", "a.csv", csv_file(PRODUCT_HEADER, [[sku, "Old", "pcs", cat, "", ""]]), dry_run=False
    )
    assert first.json()["status"] == "committed", first.text
    data = csv_file(["SKU", "Name", "Category"], [[sku, "New name", cat]])
    refused = await upload(client, "products", "b.csv", data, dry_run=False, mode="insert")
    assert refused.json()["status"] == "rejected"
    assert refused.json()["errors"] == [
        {"row": 2, "column": "sku", "value": sku, "reason": "product already exists (mode insert)"}
    ]
    updated = await upload(client, "products", "b.csv", data, dry_run=False, mode="upsert")
    assert updated.json()["status"] == "committed", updated.text
    assert (await client.get(f"/api/v1/products/{sku}", headers=WH)).json()["name"] == "New name"
    missing = await upload(
        client, "products", "c.csv", csv_file(["SKU", "Name"], [[uid("P"), "x"]]), dry_run=False, mode="update"
    )
    assert missing.json()["errors"][0]["reason"] == "no such product (mode update)"


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("products.xlsm", b"PK\x03\x04whatever", 422, "unsupported_file_type"),
        ("products.pdf", b"%PDF-1.4", 422, "unsupported_file_type"),
        ("products.xlsx", b"plain text, not a workbook", 422, "unsupported_file_type"),
        ("products.csv", b"", 422, "empty_file"),
        ("products.csv", "产品编码,产品名称\n".encode(), 422, "empty_file"),
        ("products.csv", b"x" * (MAX_BYTES + 1), 413, "file_too_large"),
    ],
)
async def test_unreadable_files_are_refused_before_any_job(
    client: httpx.AsyncClient, name: str, data: bytes, status: int, code: str
) -> None:
    jobs_before = (await client.get("/api/v1/import-jobs", params={"limit": 500}, headers=WH)).json()
    r = await upload(client, "products", name, data, dry_run=False)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["code"] == code
    assert (await client.get("/api/v1/import-jobs", params={"limit": 500}, headers=WH)).json() == jobs_before


async def test_xlsm_with_macros_renamed_xlsx_is_refused(client: httpx.AsyncClient) -> None:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, PRODUCT_HEADER)
    book.add_vba_project(io.BytesIO(b"fake vba"), is_stream=True)
    book.close()
    r = await upload(client, "products", "macros.xlsx", out.getvalue(), dry_run=False)
    assert r.status_code == 422 and r.json()["code"] == "unsupported_file_type", r.text


async def test_missing_required_column_rejects_the_file(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    r = await upload(client, "products", "p.csv", csv_file(["产品编码", "类别"], [[uid("P"), cat]]), dry_run=False)
    assert r.json()["status"] == "rejected"
    assert r.json()["errors"] == [
        {"row": 1, "column": "产品名称 / Name", "value": None, "reason": "required column missing"}
    ]
    assert await count_products(client, cat) == 0


async def test_one_bad_row_among_100000_rejects_the_file_naming_it(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    prefix = uid("B")
    rows = [[f"{prefix}-{i}", f"Product {i}", "pcs", cat, "", str(i % 50)] for i in range(100_000)]
    rows[76_543][5] = "lots"  # data row 76,544 is spreadsheet row 76,545
    r = await upload(client, "products", "big.csv", csv_file(PRODUCT_HEADER, rows), dry_run=False)
    body = r.json()
    assert body["status"] == "rejected" and body["total_rows"] == 100_000 and body["error_count"] == 1, r.text
    error = body["errors"][0]
    assert (error["row"], error["column"], error["value"]) == (76_545, "补货点", "lots")
    assert await count_products(client, cat) == 0

    report = await client.get(f"/api/v1/import-jobs/{body['id']}/report", headers=WH)
    assert report.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(report.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "错误 / Error" and len(sheet) == 100_001
    assert "补货点" in str(sheet[76_544][-1]) and sheet[76_543][-1] == ""


async def test_every_error_is_reported_at_once(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    sku = uid("P")
    rows = [
        [sku, "ok", "pcs", cat, "", "1"],
        [sku, "dup", "pcs", cat, "", "1"],  # the same sku again
        ["bad code!", "x" * 201, "pcs", cat, "", "-1"],  # three errors in one row, one of them a too long name
        [uid("P"), "😀 emoji and 中文 are fine", "pcs", cat, "", "2"],
        [uid("P"), "twice", "pcs", cat, "X1;X1", "2"],  # a barcode twice in one row
    ]
    data = xlsx_file(PRODUCT_HEADER, rows)
    r = await upload(client, "products", "errors.xlsx", data, dry_run=True)
    errors = r.json()["errors"]
    assert r.json()["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "sku"),
        (4, "产品编码"),
        (4, "产品名称"),
        (4, "补货点"),
        (6, "barcodes"),
    ]
    assert "row 2" in errors[0]["reason"] and "200 characters" in errors[2]["reason"]
    assert await count_products(client, cat) == 0


async def test_xlsx_formula_cells_and_leading_zeros(client: httpx.AsyncClient) -> None:
    cat = uid("CAT")
    sku = "00" + uuid.uuid4().hex[:6]
    r = await upload(
        client, "products", "f.xlsx", xlsx_file(PRODUCT_HEADER, [[sku, "=1+2", "pcs", cat, "", ""]]), dry_run=False
    )
    assert r.json()["status"] == "committed", r.text
    # a formula cell gives the value Excel saved for it, as text; a code typed as text keeps its zeros
    assert (await client.get(f"/api/v1/products/{sku}", headers=WH)).json()["name"] == "3"


async def test_opening_stock_import_and_exports(client: httpx.AsyncClient) -> None:
    wh, sku = uid("WH"), uid("P")
    assert (await client.post("/api/v1/warehouses", json={"code": wh, "name": "仓库"}, headers=WH)).status_code == 201
    r = await upload(
        client, "products", "p.csv", csv_file(PRODUCT_HEADER, [[sku, "Cup", "pcs", "c", "", "0"]]), dry_run=False
    )
    assert r.json()["status"] == "committed"
    header = ["仓库编码", "产品编码", "数量", "单位成本"]
    bad = await upload(
        client,
        "opening-stock",
        "o.csv",
        csv_file(header, [[wh, sku, "10", "2"], ["NOWH", "NOSKU", "1", "1"]]),
        dry_run=False,
        mode="insert",
    )
    assert [e["reason"] for e in bad.json()["errors"]] == ["no such product", "no such warehouse"]
    assert (await client.get("/api/v1/stock", params={"sku": sku}, headers=WH)).json() == []

    data = csv_file(header, [[wh, sku, "10", "2.00"]])
    r = await upload(client, "opening-stock", "o.csv", data, dry_run=False, mode="insert")
    assert r.json()["status"] == "committed", r.text
    stock = (await client.get("/api/v1/stock", params={"sku": sku}, headers=WH)).json()
    assert Decimal(stock[0]["on_hand"]) == 10
    assert Decimal((await client.get(f"/api/v1/products/{sku}", headers=WH)).json()["avg_cost"]) == 2
    again = await upload(
        client, "opening-stock", "o2.csv", csv_file(header, [[wh, sku, "5", "3"]]), dry_run=False, mode="insert"
    )
    assert "already has stock movements" in again.json()["errors"][0]["reason"]
    upsert = await upload(client, "opening-stock", "o2.csv", data, dry_run=False, mode="upsert")
    assert upsert.status_code == 409 and upsert.json()["code"] == "mode_not_supported"

    ledger = await client.get("/api/v1/stock-ledger", params={"sku": sku, "format": "xlsx"}, headers=WH)
    assert ledger.status_code == 200 and "stock-ledger-" in ledger.headers["content-disposition"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(ledger.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][2] == "产品编码 / SKU" and sheet[1][2] == sku and sheet[1][4] == "opening_balance"
    stock_csv = await client.get("/api/v1/stock", params={"sku": sku, "format": "csv"}, headers=WH)
    assert stock_csv.content.decode("utf-8-sig").splitlines()[1].startswith(f"{sku},{wh},10.000")


async def test_roles_are_enforced(client: httpx.AsyncClient) -> None:
    data = csv_file(PRODUCT_HEADER, [[uid("P"), "x", "pcs", "c", "", ""]])
    r = await client.post("/api/v1/imports/products", files={"file": ("p.csv", data)}, headers=auth("sales"))
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/imports/opening-stock", files={"file": ("p.csv", data)}, headers=auth("purchasing_manager")
    )
    assert r.status_code == 403
    assert json.loads((await client.get("/api/v1/imports", headers=auth("auditor"))).text)[0]["kind"] == "products"

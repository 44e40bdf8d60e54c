"""Finance's lists as files: invoices, statements and ageing carry the figures of their JSON lists; every
other list answers a CSV (UTF-8 with BOM) and an .xlsx with its headers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from finance_testkit import Harness, line
from python_calamine import CalamineWorkbook

from servicekit.testing import auth

pytestmark = pytest.mark.integration
FIN = auth("finance", sub="fin.qian")


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def test_invoice_statement_and_ageing_exports(finance: Harness) -> None:
    customer = await finance.customer(limit="100000.00", terms=30)
    order = await finance.confirm(customer, [line(1, "SKU-A", "2", "50.00")])
    invoice = await finance.ship(finance.shipment(order, [(1, "SKU-A", "2", "10")]))

    r = await finance.client.get("/api/v1/invoices", params={"customer_code": customer, "format": "csv"}, headers=FIN)
    table = rows_of(r.content)
    assert table[0][0] == "发票号 / Invoice" and "invoices-" in r.headers["content-disposition"]
    assert [(row[0], row[3], Decimal(row[9])) for row in table[1:]] == [(invoice.invoice_no, customer, invoice.gross)]

    params = {"from": "2026-01-01", "to": "2026-12-31", "format": "xlsx"}
    r = await finance.client.get(f"/api/v1/statements/customers/{customer}", params=params, headers=FIN)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert [row[1] for row in sheet[1:]] == ["opening_balance", "invoice", "closing_balance"]
    assert Decimal(str(sheet[-1][5])) == invoice.gross

    r = await finance.client.get("/api/v1/ageing/receivables", params={"format": "csv"}, headers=FIN)
    mine = [row for row in rows_of(r.content) if row[0] == customer]
    assert len(mine) == 1 and Decimal(mine[0][-1]) == invoice.gross


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bills",
        "/api/v1/payments",
        "/api/v1/supplier-payments",
        "/api/v1/ledger/journal",
        "/api/v1/ageing/payables",
    ],
)
async def test_every_finance_list_exports(finance: Harness, path: str) -> None:
    for fmt in ("csv", "xlsx"):
        r = await finance.client.get(path, params={"format": fmt}, headers=auth("auditor"))
        assert r.status_code == 200, r.text
        assert f".{fmt}" in r.headers["content-disposition"]
    assert " / " in rows_of((await finance.client.get(path, params={"format": "csv"}, headers=FIN)).content)[0][0]

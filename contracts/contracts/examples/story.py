"""The shared cast of the examples: one customer, one order, one supplier, one purchase order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal as Dec

from contracts import purchasing as pur
from contracts.common import Address, Amounts, OrderLine, ReservedLine, ShortageLine, StockLine

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SO, CUSTOMER, WAREHOUSE, SKU_A, SKU_B = "SO-2026-000001", "CUST-001", "WH-SH", "SKU-1001", "SKU-1002"
PR, PO, GRN, DO, SUPPLIER = "PR-2026-000001", "PO-2026-000001", "GRN-2026-000001", "DO-2026-000001", "SUP-001"
INV, BILL, PAY, CASE = "INV-2026-000001", "BILL-2026-000001", "PAY-2026-000001", "EXC-2026-000001"
ALERT = uuid.UUID("5b0c3f4e-8a43-5c1e-9d1a-0f6f1f1c2a01")

ADDRESS = Address(name="王伟", phone="+86 138 0000 0000", line1="浦东新区世纪大道 100 号", city="上海")
ORDER_LINES = [
    OrderLine(
        line_no=1,
        sku=SKU_A,
        qty=Dec("10"),
        unit_price=Dec("25.00"),
        discount=Dec("0.1"),
        tax_rate=Dec("0.13"),
    ),
    OrderLine(line_no=2, sku=SKU_B, qty=Dec("2.5"), unit_price=Dec("100.00"), tax_rate=Dec("0.13")),
]
ORDER_TOTALS = Amounts(net=Dec("475.00"), tax=Dec("61.75"), gross=Dec("536.75"))
STOCK_LINES = [
    StockLine(line_no=1, sku=SKU_A, qty=Dec("10")),
    StockLine(line_no=2, sku=SKU_B, qty=Dec("2.5")),
]
RESERVED = [
    ReservedLine(line_no=1, sku=SKU_A, warehouse_code=WAREHOUSE, qty=Dec("10")),
    ReservedLine(line_no=2, sku=SKU_B, warehouse_code=WAREHOUSE, qty=Dec("2.5")),
]
SHORTAGE = ShortageLine(line_no=2, sku=SKU_B, qty_requested=Dec("2.5"), qty_available=Dec("1"))
PO_TOTALS = Amounts(net=Dec("1500.00"), tax=Dec("195.00"), gross=Dec("1695.00"))
PO_LINE = pur.PurchaseOrderLine(line_no=1, sku=SKU_A, qty=Dec("100"), unit_price=Dec("15.00"), tax_rate=Dec("0.13"))

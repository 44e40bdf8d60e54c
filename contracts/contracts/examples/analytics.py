"""Analytics examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as Dec

from contracts import analytics as ana
from contracts.envelope import Message
from contracts.examples.story import AT, SUPPLIER

EXAMPLES: list[Message] = [
    ana.SupplierScored(
        supplier_code=SUPPLIER,
        score=Dec("86.50"),
        standing="good",
        period_from=date(2025, 3, 1),
        period_to=date(2026, 2, 28),
        on_time_pct=Dec("90.00"),
        fill_pct=Dec("98.00"),
        rejection_pct=Dec("2.00"),
        lines_measured=42,
        scored_at=AT,
    ),
]

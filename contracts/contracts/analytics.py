"""Messages produced by the analytics service: figures other services act on.

The supplier score is keyed by `supplier_code`; the latest score per supplier is what counts, so its topic is
compacted (one record per supplier is kept).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.common import Code, Percent
from contracts.envelope import Message

SupplierStanding = Literal["excellent", "good", "poor", "very_poor"]


class SupplierScored(Message):
    """The supplier scorecard's weighted score for a period (on-time, fill, price variance, rejections, lead
    time). Purchasing's sourcing ranks suppliers by it; a score typed in by hand is only the fallback for a
    supplier without one."""

    message_type: ClassVar[str] = "SupplierScored"
    key_field: ClassVar[str] = "supplier_code"

    supplier_code: Code
    score: Percent = Field(description="weighted score 0..100")
    standing: SupplierStanding
    period_from: date
    period_to: date
    on_time_pct: Percent | None = None
    fill_pct: Percent | None = None
    rejection_pct: Percent | None = None
    lines_measured: Annotated[int, Field(ge=0, description="purchase order lines the score is based on")]
    scored_at: AwareDatetime

"""Purchasing's field types shared by its request schemas (codes, money, quantities, rates, currencies)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Qty = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]
Pct = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

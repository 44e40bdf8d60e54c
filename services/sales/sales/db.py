"""The sales database: customers, orders, the order saga's state."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, Numeric, String, Table, func

from servicekit.db import kit_tables, new_metadata

metadata = new_metadata()
kit = kit_tables(metadata)

customers = Table(
    "customers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("contact", String(200)),
    Column("phone", String(200)),
    Column("email", String(254)),
    Column("credit_limit", Numeric(18, 2), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

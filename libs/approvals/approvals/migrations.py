"""The approval tables' schema for the migrations of the services that use the engine (one definition, not
a copy per service). Version 1; later changes come as new helpers called from new migrations."""

from __future__ import annotations

from alembic import op

from approvals.store import approval_tables
from servicekit.db import new_metadata


def create_approval_schema() -> None:
    metadata = new_metadata()
    approval_tables(metadata)
    metadata.create_all(op.get_bind())


def drop_approval_schema() -> None:
    metadata = new_metadata()
    approval_tables(metadata)
    metadata.drop_all(op.get_bind())

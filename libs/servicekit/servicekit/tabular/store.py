"""The import jobs table: one row per uploaded file, its status to poll, its errors, the file itself (for the
error report and a later commit), and its content hash: a file of a kind is committed at most once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

STATUSES = ("validating", "validated", "rejected", "committing", "committed", "duplicate", "failed")
RUNNING = ("validating", "committing")


def import_jobs_table(metadata: MetaData) -> Table:
    """Declare `import_jobs` on a service's metadata (its migration calls `create_import_jobs`)."""
    return Table(
        "import_jobs",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True, default=uuid.uuid4),
        Column("kind", String(64), nullable=False),
        Column("mode", String(16), nullable=False),
        Column("dry_run", Boolean, nullable=False),
        Column("status", String(16), nullable=False),
        Column("file_name", String(255), nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("file", LargeBinary, nullable=False),
        Column("total_rows", Integer),
        Column("valid_rows", Integer),
        Column("error_count", Integer, nullable=False, server_default="0"),
        Column("errors", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
        Column("stored_rows", Integer),
        Column("duplicate_of", UUID(as_uuid=True)),
        Column("detail", Text),
        Column("created_by", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # the running job's heartbeat: a job that stopped beating was interrupted (nothing of it was stored)
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("finished_at", DateTime(timezone=True)),
        Index("ix_import_jobs_kind_created", "kind", "created_at"),
        Index(
            "uq_import_jobs_committed_file",
            "kind",
            "content_hash",
            unique=True,
            postgresql_where=text("status = 'committed'"),
        ),
    )


def create_import_jobs() -> None:
    """For a service's migration: create `import_jobs` as declared now."""
    from alembic import op

    metadata = MetaData()
    import_jobs_table(metadata).create(op.get_bind())


def drop_import_jobs() -> None:
    from alembic import op

    op.drop_table("import_jobs")


SUMMARY_COLUMNS = (
    "id",
    "kind",
    "mode",
    "dry_run",
    "status",
    "file_name",
    "content_hash",
    "total_rows",
    "valid_rows",
    "error_count",
    "stored_rows",
    "duplicate_of",
    "detail",
    "created_by",
    "created_at",
    "updated_at",
    "finished_at",
)


def summary(table: Table) -> list[Any]:
    return [table.c[name] for name in SUMMARY_COLUMNS]

"""The approval tables' schema for the migrations of the services that use the engine (one definition, not
a copy per service). Version 1; later changes come as new helpers called from new migrations."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from approvals.defaults import DEFAULT_RULES
from approvals.domain import DocumentType
from approvals.store import approval_tables
from servicekit.db import new_metadata


def create_approval_schema() -> None:
    metadata = new_metadata()
    approval_tables(metadata)
    metadata.create_all(op.get_bind())


def add_same_approver_columns() -> None:
    """Version 2: rules may allow one person to decide several levels; each approval keeps what its rules said.
    (`create_approval_schema` creates the tables as `approval_tables` declares them now, so a database created
    from scratch has the columns already.)"""
    for table in ("approval_rules", "approval_steps"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS allow_same_approver boolean NOT NULL DEFAULT false")


def drop_same_approver_columns() -> None:
    for table in ("approval_rules", "approval_steps"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS allow_same_approver")


def add_deadline_columns() -> None:
    """Version 3: a pending level's deadline and how often it was reminded / escalated (`approval_steps.due_at`,
    `escalations`)."""
    op.execute("ALTER TABLE approval_steps ADD COLUMN IF NOT EXISTS due_at timestamptz")
    op.execute("ALTER TABLE approval_steps ADD COLUMN IF NOT EXISTS escalations integer NOT NULL DEFAULT 0")


def drop_deadline_columns() -> None:
    op.execute("ALTER TABLE approval_steps DROP COLUMN IF EXISTS escalations")
    op.execute("ALTER TABLE approval_steps DROP COLUMN IF EXISTS due_at")


def add_escalation_columns() -> None:
    """Version 4: a rule's escalation chain and reminder/escalation offsets, kept on each level it planned
    (`escalation_chain`, `remind_after_hours`, `escalate_after_hours`; unset: the service's default)."""
    for table in ("approval_rules", "approval_steps"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS escalation_chain jsonb NOT NULL DEFAULT '[]'")
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS remind_after_hours integer")
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS escalate_after_hours integer")


def drop_escalation_columns() -> None:
    for table in ("approval_rules", "approval_steps"):
        for column in ("escalate_after_hours", "remind_after_hours", "escalation_chain"):
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")


def seed_default_rules(*document_types: DocumentType) -> None:
    """The default rules (approvals.defaults) of these document types, for a document type that has none."""
    bind = op.get_bind()
    for document_type in document_types:
        if bind.execute(sa.text("SELECT 1 FROM approval_rules WHERE document_type = :t"), {"t": document_type}).first():
            continue
        for rule in DEFAULT_RULES[document_type]:
            bind.execute(
                sa.text(
                    "INSERT INTO approval_rules (document_type, position, name, min_amount, max_amount, categories,"
                    " max_discount, approver_roles) VALUES (:t, :p, :n, :lo, :hi, CAST(:c AS jsonb), :d,"
                    " CAST(:r AS jsonb))"
                ),
                {
                    "t": document_type,
                    "p": rule.position,
                    "n": rule.name,
                    "lo": rule.min_amount,
                    "hi": rule.max_amount,
                    "c": json.dumps(sorted(rule.categories)),
                    "d": rule.max_discount,
                    "r": json.dumps(list(rule.approver_roles)),
                },
            )


def drop_approval_schema() -> None:
    metadata = new_metadata()
    approval_tables(metadata)
    metadata.drop_all(op.get_bind())

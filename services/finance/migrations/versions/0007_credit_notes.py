"""credit notes (CN-): reverse all or part of an invoice; invoices.credit_note_no names the one that voided it"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _money(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Numeric(18, 2), nullable=False, server_default="0")


def upgrade() -> None:
    op.add_column("invoices", sa.Column("credit_note_no", sa.String(length=64), nullable=True))
    op.create_table(
        "credit_notes",
        sa.Column("credit_note_no", sa.String(length=64), nullable=False),
        sa.Column("invoice_no", sa.String(length=64), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _money("net"),
        _money("tax"),
        _money("gross"),
        _money("cost"),
        _money("to_invoice"),
        _money("unapplied"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("return_no", sa.String(length=64), nullable=True),
        sa.Column(
            "lines", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.CheckConstraint(
            "unapplied >= 0 AND to_invoice >= 0 AND to_invoice + unapplied = gross",
            name=op.f("ck_credit_notes_parts_sum"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_no"], ["invoices.invoice_no"], name=op.f("fk_credit_notes_invoice_no_invoices")
        ),
        sa.PrimaryKeyConstraint("credit_note_no", name=op.f("pk_credit_notes")),
    )
    op.create_index(op.f("ix_credit_notes_invoice_no"), "credit_notes", ["invoice_no"], unique=False)
    op.create_index(op.f("ix_credit_notes_order_no"), "credit_notes", ["order_no"], unique=False)


def downgrade() -> None:
    op.drop_table("credit_notes")
    op.drop_column("invoices", "credit_note_no")

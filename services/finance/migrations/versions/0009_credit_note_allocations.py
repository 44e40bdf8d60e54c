"""credit notes settle the customer's other open invoices: credit_note_allocations, credit_notes.to_open_invoices"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_notes", sa.Column("to_open_invoices", sa.Numeric(18, 2), server_default="0", nullable=False))
    op.drop_constraint(op.f("ck_credit_notes_parts_sum"), "credit_notes", type_="check")
    op.create_check_constraint(
        op.f("ck_credit_notes_parts_sum"),
        "credit_notes",
        "unapplied >= 0 AND to_invoice >= 0 AND to_open_invoices >= 0"
        " AND to_invoice + to_open_invoices + unapplied = gross",
    )
    op.create_table(
        "credit_note_allocations",
        sa.Column("credit_note_no", sa.String(length=64), nullable=False),
        sa.Column("invoice_no", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_no"],
            ["credit_notes.credit_note_no"],
            name=op.f("fk_credit_note_allocations_credit_note_no_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_no"], ["invoices.invoice_no"], name=op.f("fk_credit_note_allocations_invoice_no_invoices")
        ),
        sa.PrimaryKeyConstraint("credit_note_no", "invoice_no", name="pk_credit_note_allocations"),
    )
    op.create_index(
        op.f("ix_credit_note_allocations_invoice_no"), "credit_note_allocations", ["invoice_no"], unique=False
    )


def downgrade() -> None:
    op.drop_table("credit_note_allocations")
    op.drop_constraint(op.f("ck_credit_notes_parts_sum"), "credit_notes", type_="check")
    op.create_check_constraint(
        op.f("ck_credit_notes_parts_sum"),
        "credit_notes",
        "unapplied >= 0 AND to_invoice >= 0 AND to_invoice + unapplied = gross",
    )
    op.drop_column("credit_notes", "to_open_invoices")

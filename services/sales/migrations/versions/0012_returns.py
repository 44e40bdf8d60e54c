"""returns (RMA-) of shipped goods and their lines"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("return_no", sa.String(length=32), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("warehouse_code", sa.String(length=64), nullable=True),
        sa.Column("authorized_by", sa.String(length=128), nullable=True),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "credit_note_nos",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["order_no"], ["orders.order_no"], name=op.f("fk_returns_order_no_orders")),
        sa.PrimaryKeyConstraint("return_no", name=op.f("pk_returns")),
    )
    op.create_index(op.f("ix_returns_order_no"), "returns", ["order_no"], unique=False)
    op.create_table(
        "return_lines",
        sa.Column("return_no", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Numeric(18, 3), nullable=False),
        sa.Column("restocked_qty", sa.Numeric(18, 3), server_default="0", nullable=False),
        sa.Column("scrapped_qty", sa.Numeric(18, 3), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["return_no"], ["returns.return_no"], name=op.f("fk_return_lines_return_no_returns")),
        sa.PrimaryKeyConstraint("return_no", "line_no", name="pk_return_lines"),
    )


def downgrade() -> None:
    op.drop_table("return_lines")
    op.drop_table("returns")

"""supplier_scores: the scores analytics publishes (SupplierScored), preferred by sourcing to the typed one"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_scores",
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("supplier_code", name=op.f("pk_supplier_scores")),
    )


def downgrade() -> None:
    op.drop_table("supplier_scores")

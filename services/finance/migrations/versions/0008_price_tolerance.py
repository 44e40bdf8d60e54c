"""purchase_orders.price_tolerance_pct: the invoice price tolerance of the three-way match, apart from the receipt
quantity tolerance (default 0: any price difference holds the bill)"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "purchase_orders",
        sa.Column("price_tolerance_pct", sa.Numeric(precision=5, scale=2), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("purchase_orders", "price_tolerance_pct")

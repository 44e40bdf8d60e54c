"""monthly totals per sku (sku_monthly) and their dirty marks"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sku_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("billed", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("sales", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("sales_qty", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("sales_lines", sa.Integer(), nullable=False),
        sa.Column("cogs", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("month", "sku", name="pk_sku_monthly"),
    )
    op.create_table(
        "sku_monthly_dirty",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("month", "sku", name="pk_sku_monthly_dirty"),
    )
    # Facts already recorded (a database migrated from 0002): every (month, sku) they touch.
    op.execute(
        """
        INSERT INTO sku_monthly_dirty (month, sku)
        SELECT CAST(date_trunc('month', day) AS date), sku FROM receipt_lines
        UNION SELECT CAST(date_trunc('month', bill_date) AS date), sku FROM bill_lines
        UNION SELECT CAST(date_trunc('month', issue_date) AS date), sku FROM invoice_lines
        UNION SELECT CAST(date_trunc('month', day) AS date), sku FROM shipment_lines
        """
    )


def downgrade() -> None:
    op.drop_table("sku_monthly_dirty")
    op.drop_table("sku_monthly")

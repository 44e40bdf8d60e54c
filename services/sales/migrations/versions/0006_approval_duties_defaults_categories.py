"""approvals v2 (one person decides at most one level unless a rule allows it; default rules for a new company);
products' categories, for the category-scoped approval rules"""

import sqlalchemy as sa
from alembic import op

from approvals.migrations import add_same_approver_columns, drop_same_approver_columns, seed_default_rules

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_same_approver_columns()
    seed_default_rules("sales_order")
    op.create_table(
        "product_categories",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_product_categories")),
    )


def downgrade() -> None:
    op.drop_table("product_categories")
    drop_same_approver_columns()

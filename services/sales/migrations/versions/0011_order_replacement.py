"""orders: a voided order and its replacement name each other (replaced_by_order_no, replaces_order_no)"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("replaced_by_order_no", sa.String(length=32), nullable=True))
    op.add_column("orders", sa.Column("replaces_order_no", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "replaces_order_no")
    op.drop_column("orders", "replaced_by_order_no")

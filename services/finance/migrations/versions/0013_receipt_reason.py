"""goods_receipts.reason: why a receipt came without a purchase order"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("goods_receipts", sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("goods_receipts", "reason")

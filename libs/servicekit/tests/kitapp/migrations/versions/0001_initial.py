"""kit test app: kit tables and an effects table"""

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import create_kit_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kit_schema()
    op.create_table(
        "effects",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("customer_code", sa.String(50), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
    )
    op.create_table("blocked_codes", sa.Column("code", sa.String(64), primary_key=True))

"""price tolerances apart from receipt tolerances: suppliers and categories may set one, a purchase order keeps the
one it was issued with (default 0: any supplier invoice price difference holds the bill)"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _pct(nullable: bool = True, **kw: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("price_tolerance_pct", sa.Numeric(precision=5, scale=2), nullable=nullable, **kw)


def upgrade() -> None:
    op.add_column("suppliers", _pct())
    op.add_column("category_tolerances", _pct())
    op.add_column("purchase_orders", _pct(nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("purchase_orders", "category_tolerances", "suppliers"):
        op.drop_column(table, "price_tolerance_pct")

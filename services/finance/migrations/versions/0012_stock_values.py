"""stock valuation in the journal: stock_values per sku; accounts 3000 opening balance equity, 5200 inventory
gain/loss"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ACCOUNTS = [
    {"code": "3000", "name": "Opening balance equity", "kind": "equity", "normal_side": "credit"},
    {"code": "5200", "name": "Inventory gain/loss", "kind": "expense", "normal_side": "debit"},
]


def upgrade() -> None:
    op.create_table(
        "stock_values",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Numeric(18, 3), server_default="0", nullable=False),
        sa.Column("value", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_stock_values")),
    )
    accounts = sa.table("accounts", sa.column("code"), sa.column("name"), sa.column("kind"), sa.column("normal_side"))
    op.bulk_insert(accounts, ACCOUNTS)


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE code IN ('3000', '5200')")
    op.drop_table("stock_values")

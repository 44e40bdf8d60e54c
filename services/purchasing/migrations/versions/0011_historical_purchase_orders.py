"""historical purchase orders: closed purchase orders of the previous system, imported one row per line"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)


def upgrade() -> None:
    op.create_table(
        "historical_purchase_orders",
        sa.Column("po_no", sa.String(64), nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("gross", MONEY, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("import_job", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("po_no", name="pk_historical_purchase_orders"),
    )
    op.create_index("ix_historical_purchase_orders_supplier_code", "historical_purchase_orders", ["supplier_code"])
    op.create_index("ix_historical_purchase_orders_order_date", "historical_purchase_orders", ["order_date"])
    op.create_table(
        "historical_po_lines",
        sa.Column("po_no", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.Numeric(18, 3), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("tax_rate", sa.Numeric(5, 4), nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("po_no", "line_no", name="pk_historical_po_lines"),
        sa.ForeignKeyConstraint(
            ["po_no"],
            ["historical_purchase_orders.po_no"],
            name="fk_historical_po_lines_po_no_historical_purchase_orders",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_historical_po_lines_sku", "historical_po_lines", ["sku"])


def downgrade() -> None:
    op.drop_table("historical_po_lines")
    op.drop_table("historical_purchase_orders")

"""import jobs (servicekit.tabular) and the historical orders they import"""

import sqlalchemy as sa
from alembic import op

from servicekit.tabular.store import create_import_jobs, drop_import_jobs

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_import_jobs()
    op.create_table(
        "historical_orders",
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("customer_code", sa.String(64), nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("gross", MONEY, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("import_job", sa.String(64), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("order_no", name="pk_historical_orders"),
    )
    op.create_index("ix_historical_orders_customer_code", "historical_orders", ["customer_code"])
    op.create_index("ix_historical_orders_order_date", "historical_orders", ["order_date"])
    op.create_table(
        "historical_order_lines",
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.Numeric(18, 3), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("discount", sa.Numeric(5, 4), nullable=False),
        sa.Column("tax_rate", sa.Numeric(5, 4), nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("order_no", "line_no", name="pk_historical_order_lines"),
        sa.ForeignKeyConstraint(
            ["order_no"],
            ["historical_orders.order_no"],
            name="fk_historical_order_lines_order_no_historical_orders",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_historical_order_lines_sku", "historical_order_lines", ["sku"])


def downgrade() -> None:
    op.drop_table("historical_order_lines")
    op.drop_table("historical_orders")
    drop_import_jobs()

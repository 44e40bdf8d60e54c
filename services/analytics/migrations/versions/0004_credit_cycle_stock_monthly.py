"""customer credit per day, order cycle per month, stock per month: derived tables and their dirty marks"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PAIRS = ("placed_confirmed", "confirmed_shipped", "shipped_delivered", "delivered_paid", "placed_paid")
STEPS = ("confirmed", "shipped", "delivered", "paid")


def _money(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Numeric(precision=20, scale=2), nullable=False)


def upgrade() -> None:
    op.drop_index("ix_invoices_customer_code", table_name="invoices")
    op.create_index("ix_invoices_customer_issue_date", "invoices", ["customer_code", "issue_date"], unique=False)
    op.create_index("ix_orders_customer_code", "orders", ["customer_code"], unique=False)
    op.create_index(
        "ix_order_steps_placed_at", "order_steps", ["at"], unique=False, postgresql_where=sa.text("step = 'placed'")
    )
    op.create_index(
        "ix_order_steps_cancelled_at",
        "order_steps",
        ["at"],
        unique=False,
        postgresql_where=sa.text("step = 'cancelled'"),
    )
    op.create_table(
        "stock_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse_code", sa.String(length=64), nullable=False),
        _money("value_days"),
        _money("cogs"),
        sa.PrimaryKeyConstraint("month", "sku", "warehouse_code", name="pk_stock_monthly"),
    )
    op.create_table(
        "credit_daily",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        _money("invoiced"),
        sa.Column("invoices", sa.Integer(), nullable=False),
        _money("voided"),
        sa.Column("voids", sa.Integer(), nullable=False),
        _money("paid"),
        _money("late_amount_days"),
        _money("outstanding"),
        sa.Column("last_paid_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("customer_code", "issue_date", "due_date", name="pk_credit_daily"),
    )
    op.create_index("ix_credit_daily_issue_date", "credit_daily", ["issue_date"], unique=False)
    op.create_table(
        "credit_daily_dirty",
        sa.Column("customer_code", sa.String(length=64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("customer_code", "issue_date", name="pk_credit_daily_dirty"),
    )
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
    ]
    for p in PAIRS:
        columns += [
            sa.Column(f"n_{p}", sa.Integer(), nullable=False),
            sa.Column(f"p50_{p}", sa.Double(), nullable=True),
            sa.Column(f"p90_{p}", sa.Double(), nullable=True),
        ]
    for b in STEPS:
        columns += [
            sa.Column(f"reached_{b}", sa.Integer(), nullable=False),
            sa.Column(f"late_{b}", sa.Integer(), nullable=False),
            sa.Column(f"deadline_{b}", sa.Double(), nullable=False),
        ]
    op.create_table(
        "order_cycle_monthly", *columns, sa.PrimaryKeyConstraint("month", "channel", name="pk_order_cycle_monthly")
    )
    op.create_table(
        "order_cycle_pending",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_no", "step", name="pk_order_cycle_pending"),
    )
    op.create_index("ix_order_cycle_pending_month", "order_cycle_pending", ["month"], unique=False)
    op.create_table(
        "order_cycle_dirty",
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_order_cycle_dirty")),
    )
    # Facts already recorded (a database migrated from 0003): everything they touch. The order cycle's months
    # are the company's; the migration does not know its zone, so every month from the one before the first
    # placement to the one after the last is marked (a month with no order gets no row).
    op.execute(
        "INSERT INTO credit_daily_dirty (customer_code, issue_date) SELECT DISTINCT customer_code, issue_date "
        "FROM invoices"
    )
    op.execute(
        """
        INSERT INTO order_cycle_dirty (month)
        SELECT CAST(m AS date) FROM (SELECT min(at) AS lo, max(at) AS hi FROM order_steps WHERE step = 'placed') b,
        generate_series(date_trunc('month', b.lo) - interval '1 month', date_trunc('month', b.hi) + interval '1 month',
                        interval '1 month') m
        WHERE b.lo IS NOT NULL
        """
    )
    op.execute(
        "INSERT INTO stock_dirty (sku, from_day) SELECT sku, min(day) FROM stock_daily GROUP BY sku "
        "ON CONFLICT (sku) DO UPDATE SET from_day = least(stock_dirty.from_day, excluded.from_day)"
    )


def downgrade() -> None:
    op.drop_table("order_cycle_dirty")
    op.drop_index("ix_order_cycle_pending_month", table_name="order_cycle_pending")
    op.drop_table("order_cycle_pending")
    op.drop_table("order_cycle_monthly")
    op.drop_table("credit_daily_dirty")
    op.drop_index("ix_credit_daily_issue_date", table_name="credit_daily")
    op.drop_table("credit_daily")
    op.drop_table("stock_monthly")
    op.drop_index(
        "ix_order_steps_cancelled_at", table_name="order_steps", postgresql_where=sa.text("step = 'cancelled'")
    )
    op.drop_index("ix_orders_customer_code", table_name="orders")
    op.drop_index("ix_invoices_customer_issue_date", table_name="invoices")
    op.create_index("ix_invoices_customer_code", "invoices", ["customer_code"], unique=False)
    op.drop_index("ix_order_steps_placed_at", table_name="order_steps", postgresql_where=sa.text("step = 'placed'"))

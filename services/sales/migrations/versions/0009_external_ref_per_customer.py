"""orders: the channel reference is unique per (customer, channel), not per channel"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("uq_orders_channel_external_ref", "orders", type_="unique")
    op.create_unique_constraint(
        "uq_orders_customer_channel_external_ref", "orders", ["customer_code", "channel", "external_ref"]
    )


def downgrade() -> None:
    op.drop_constraint("uq_orders_customer_channel_external_ref", "orders", type_="unique")
    op.create_unique_constraint("uq_orders_channel_external_ref", "orders", ["channel", "external_ref"])

"""indexes of the purchase-order board: its filters (status, supplier), most recent first, open anomalies"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status"])
    op.create_index("ix_purchase_orders_supplier_code", "purchase_orders", ["supplier_code"])
    op.create_index("ix_purchase_orders_created_at", "purchase_orders", ["created_at"])
    op.create_index(
        "ix_po_anomalies_open",
        "po_anomalies",
        ["po_no", "anomaly_type"],
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_po_anomalies_open", table_name="po_anomalies")
    op.drop_index("ix_purchase_orders_created_at", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_supplier_code", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_status", table_name="purchase_orders")

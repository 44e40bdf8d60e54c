"""approvals v2: one person decides at most one level unless a rule allows it; default rules for a new company"""

from approvals.migrations import add_same_approver_columns, drop_same_approver_columns, seed_default_rules

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_same_approver_columns()
    seed_default_rules("requisition", "purchase_order")


def downgrade() -> None:
    drop_same_approver_columns()

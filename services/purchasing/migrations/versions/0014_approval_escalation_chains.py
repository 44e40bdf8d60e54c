"""approval rules' escalation chains and reminder/escalation offsets, kept on each level (approvals.store)"""

from approvals.migrations import add_escalation_columns, drop_escalation_columns

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_escalation_columns()


def downgrade() -> None:
    drop_escalation_columns()

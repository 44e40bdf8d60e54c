"""approval_steps: a level's deadline and how often it was reminded / escalated (approvals.store)"""

from approvals.migrations import add_deadline_columns, drop_deadline_columns

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_deadline_columns()


def downgrade() -> None:
    drop_deadline_columns()

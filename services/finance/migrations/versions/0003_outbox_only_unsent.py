"""kit tables v2: the outbox holds only what is still to be sent (the relay deletes what it published)"""

from servicekit.migrations import outbox_keeps_only_unsent

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_keeps_only_unsent()


def downgrade() -> None:
    raise NotImplementedError("published rows are gone: there is nothing to restore")

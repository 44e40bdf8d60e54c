"""kit tables v3: no NOTIFY trigger on the outbox (the writer wakes the relay; see servicekit.outbox)"""

from servicekit.migrations import outbox_wakes_by_trigger, outbox_wakes_without_trigger

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_wakes_without_trigger()


def downgrade() -> None:
    outbox_wakes_by_trigger()

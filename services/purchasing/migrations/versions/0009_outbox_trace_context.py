"""kit tables v5: an outbox row keeps the trace context of the span that wrote it"""

from servicekit.migrations import outbox_carries_trace_context, outbox_without_trace_context

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_carries_trace_context()


def downgrade() -> None:
    outbox_without_trace_context()

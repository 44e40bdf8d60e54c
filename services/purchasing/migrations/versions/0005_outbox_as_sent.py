"""kit tables v4: the outbox holds the envelope as the JSON text that is sent, its headers in columns"""

from servicekit.migrations import outbox_as_jsonb, outbox_as_sent

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_as_sent()


def downgrade() -> None:
    outbox_as_jsonb()

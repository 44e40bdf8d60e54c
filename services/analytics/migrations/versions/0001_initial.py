"""initial: the shared kit tables"""

from servicekit.migrations import create_kit_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kit_schema()


def downgrade() -> None:
    raise NotImplementedError("the initial schema is not dropped by a migration")

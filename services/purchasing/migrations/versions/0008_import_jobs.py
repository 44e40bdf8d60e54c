"""import jobs (servicekit.tabular): uploaded files, their status, errors and content hash"""

from servicekit.tabular.store import create_import_jobs, drop_import_jobs

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_import_jobs()


def downgrade() -> None:
    drop_import_jobs()

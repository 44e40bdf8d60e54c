"""dunning per customer: dunning_groups (reminder offsets) and credit_accounts.dunning_group"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dunning_groups",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("offsets_days", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dunning_groups")),
    )
    op.add_column("credit_accounts", sa.Column("dunning_group", sa.String(length=64), nullable=True))
    op.create_foreign_key(
        op.f("fk_credit_accounts_dunning_group_dunning_groups"),
        "credit_accounts",
        "dunning_groups",
        ["dunning_group"],
        ["code"],
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_credit_accounts_dunning_group_dunning_groups"), "credit_accounts", type_="foreignkey")
    op.drop_column("credit_accounts", "dunning_group")
    op.drop_table("dunning_groups")

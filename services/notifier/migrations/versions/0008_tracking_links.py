"""the customer's tracking link in messages: order_customers.tracking_token; default rules added since (missing
codes only: order_confirmed_customer, order_approval_escalated)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from notifier.defaults import DEFAULT_RULES
from notifier.rules import RuleCreate

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_customers", sa.Column("tracking_token", sa.String(length=64), nullable=True))
    rules = sa.table("rules", *(sa.column(name) for name in RuleCreate.model_fields))
    for name in ("conditions", "recipients", "channels", "webhooks", "escalation_roles", "clears_on"):
        rules.c[name].type = postgresql.JSONB()
    rows = [RuleCreate.model_validate(r).model_dump(mode="json") for r in DEFAULT_RULES]
    op.execute(postgresql.insert(rules).values(rows).on_conflict_do_nothing(index_elements=["code"]))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM rules WHERE code IN ('order_confirmed_customer', 'order_approval_escalated')"))
    op.drop_column("order_customers", "tracking_token")

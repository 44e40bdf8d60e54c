"""default rules: one for every anomaly in the spec (missing codes only, so edits are kept)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from notifier.defaults import DEFAULT_RULES
from notifier.rules import RuleCreate

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rules = sa.table(
        "rules",
        *(sa.column(name) for name in RuleCreate.model_fields),
    )
    rows = [RuleCreate.model_validate(r).model_dump(mode="json") for r in DEFAULT_RULES]
    jsonb = ("conditions", "recipients", "channels", "webhooks", "escalation_roles", "clears_on")
    for name in jsonb:
        rules.c[name].type = postgresql.JSONB()
    op.execute(postgresql.insert(rules).values(rows).on_conflict_do_nothing(index_elements=["code"]))


def downgrade() -> None:
    codes = [r["code"] for r in DEFAULT_RULES]
    op.execute(sa.text("DELETE FROM rules WHERE code = ANY(:codes)").bindparams(codes=codes))

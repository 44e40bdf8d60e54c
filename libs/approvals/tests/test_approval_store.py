"""The persistence helpers on a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from approvals import ApprovalRule, Escalation, SelfApprovalError
from approvals.store import (
    approval_tables,
    decide_and_record,
    load_rules,
    load_state,
    replace_rules,
    start_approval,
)
from servicekit.db import Database, new_metadata

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def test_rules_and_decisions_round_trip(database_url: str) -> None:
    metadata = new_metadata()
    tables = approval_tables(metadata)
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    db = Database(database_url, pool_size=1)
    try:
        async with db.transaction() as s:
            rule = ApprovalRule(
                "sales_order",
                ("sales_manager",),
                min_amount=Decimal("100"),
                categories=frozenset({"a"}),
                escalation_chain=("finance_manager", "admin"),
                remind_after_hours=6,
            )
            await replace_rules(s, tables, "sales_order", [rule, rule])
            await replace_rules(s, tables, "sales_order", [rule])
            await start_approval(
                s,
                tables,
                "sales_order",
                "SO-2026-000001",
                "amy",
                ["sales_manager", "admin"],
                NOW,
                escalations=[rule.escalation],  # level 2's: none given, the service's default
            )
        async with db.transaction() as s:
            rules = await load_rules(s, tables, "sales_order")
            assert [(r.position, r.min_amount, r.categories) for r in rules] == [(1, Decimal("100.00"), {"a"})]
            assert rules[0].escalation == Escalation(("finance_manager", "admin"), 6, None)
            with pytest.raises(SelfApprovalError):
                await decide_and_record(
                    s,
                    tables,
                    "sales_order",
                    "SO-2026-000001",
                    actor="amy",
                    actor_roles=["sales_manager"],
                    verdict="approved",
                    comment=None,
                    at=NOW,
                )
        async with db.transaction() as s:
            state = await decide_and_record(
                s,
                tables,
                "sales_order",
                "SO-2026-000001",
                actor="ben",
                actor_roles=["sales_manager"],
                verdict="approved",
                comment="fine",
                at=NOW,
            )
            assert state is not None and state.current_role == "admin"
        async with db.transaction() as s:
            loaded = await load_state(s, tables, "sales_order", "SO-2026-000001")
            assert loaded is not None and loaded.requester == "amy"
            assert [(d.actor, d.comment) for d in loaded.decisions] == [("ben", "fine")]
            assert loaded.escalations == (Escalation(("finance_manager", "admin"), 6, None), Escalation())
            assert await load_state(s, tables, "sales_order", "SO-2026-000009") is None
    finally:
        await db.dispose()

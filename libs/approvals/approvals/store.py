"""Persistence: each service declares these two tables on its own metadata (so its own migrations create
them in its own database) and uses the helpers inside its use-case transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.domain import ApprovalRule, ApprovalState, Decision, Escalation, decide, new_state
from servicekit.fastsql import Statement


@dataclass(frozen=True)
class ApprovalTables:
    rules: Table
    steps: Table


def approval_tables(metadata: MetaData) -> ApprovalTables:
    rules = Table(
        "approval_rules",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("document_type", String(32), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        Column("name", String(200), nullable=False, server_default=""),
        Column("min_amount", Numeric(18, 2)),
        Column("max_amount", Numeric(18, 2)),
        Column("categories", JSONB, nullable=False, server_default="[]"),
        Column("max_discount", Numeric(5, 4)),
        Column("approver_roles", JSONB, nullable=False),
        Column("allow_same_approver", Boolean, nullable=False, server_default="false"),
        *_escalation_columns(),
    )
    steps = Table(
        "approval_steps",
        metadata,
        Column("document_type", String(32), nullable=False),
        Column("document_no", String(64), nullable=False),
        Column("level", Integer, nullable=False),
        Column("role", String(64), nullable=False),
        Column("requester", String(128), nullable=False),
        Column("requested_at", DateTime(timezone=True), nullable=False),
        Column("verdict", String(16)),
        Column("decided_by", String(128)),
        Column("comment", Text),
        Column("decided_at", DateTime(timezone=True)),
        # The same on every level of a document: may one person decide several of them (see domain.py)?
        Column("allow_same_approver", Boolean, nullable=False, server_default="false"),
        # A level waiting past `due_at` is reminded (escalations 0 → 1), then escalated to the next role of the
        # escalation chain (its `role` changes, escalations + 1); null: no deadline (or none left).
        Column("due_at", DateTime(timezone=True)),
        Column("escalations", Integer, nullable=False, server_default="0"),
        # The level's escalation, kept from the rule that planned it when the approval started (domain.Escalation).
        *_escalation_columns(),
        PrimaryKeyConstraint("document_type", "document_no", "level", name="pk_approval_steps"),
    )
    return ApprovalTables(rules, steps)


def _escalation_columns() -> tuple[Column[Any], ...]:
    """A rule's escalation chain (roles, in order; [] = the service's default) and offsets (hours; null = the
    service's default); the same on each approval level, kept from its rule."""
    return (
        Column("escalation_chain", JSONB, nullable=False, server_default="[]"),
        Column("remind_after_hours", Integer),
        Column("escalate_after_hours", Integer),
    )


def escalation_of(row: Any, prefix: str = "") -> Escalation:
    """The escalation of a rule's or a level's row."""
    return Escalation(
        tuple(row[f"{prefix}escalation_chain"] or ()),
        row[f"{prefix}remind_after_hours"],
        row[f"{prefix}escalate_after_hours"],
    )


def rule_of(row: Any, prefix: str = "") -> ApprovalRule:
    """A rule from a row of the rules table (its columns named `prefix` + column, when read with others)."""
    return ApprovalRule(
        document_type=row[f"{prefix}document_type"],
        approver_roles=tuple(row[f"{prefix}approver_roles"]),
        min_amount=row[f"{prefix}min_amount"],
        max_amount=row[f"{prefix}max_amount"],
        categories=frozenset(row[f"{prefix}categories"] or ()),
        max_discount=row[f"{prefix}max_discount"],
        position=row[f"{prefix}position"],
        name=row[f"{prefix}name"],
        allow_same_approver=bool(row[f"{prefix}allow_same_approver"]),
        escalation_chain=tuple(row[f"{prefix}escalation_chain"] or ()),
        remind_after_hours=row[f"{prefix}remind_after_hours"],
        escalate_after_hours=row[f"{prefix}escalate_after_hours"],
    )


@functools.cache
def _rules_of_type(rules: Table) -> Statement:
    # Read for every new document: built once.
    return Statement(
        select(rules).where(rules.c.document_type == bindparam("document_type")).order_by(rules.c.position)
    )


async def load_rules(
    session: AsyncSession, tables: ApprovalTables, document_type: str | None = None
) -> list[ApprovalRule]:
    if document_type is not None:
        return [rule_of(row) for row in await _rules_of_type(tables.rules).fetch(session, document_type=document_type)]
    query = select(tables.rules).order_by(tables.rules.c.document_type, tables.rules.c.position)
    return [rule_of(row._mapping) for row in (await session.execute(query))]


async def replace_rules(
    session: AsyncSession, tables: ApprovalTables, document_type: str, rules: Sequence[ApprovalRule]
) -> list[ApprovalRule]:
    """Replace every rule of one document type (what a PUT of the rule set does)."""
    await session.execute(delete(tables.rules).where(tables.rules.c.document_type == document_type))
    saved = [replace(r, position=i) for i, r in enumerate(rules, start=1)]
    if saved:
        await session.execute(
            insert(tables.rules),
            [
                {
                    "document_type": document_type,
                    "position": r.position,
                    "name": r.name,
                    "min_amount": r.min_amount,
                    "max_amount": r.max_amount,
                    "categories": sorted(r.categories),
                    "max_discount": r.max_discount,
                    "approver_roles": list(r.approver_roles),
                    "allow_same_approver": r.allow_same_approver,
                    "escalation_chain": list(r.escalation_chain),
                    "remind_after_hours": r.remind_after_hours,
                    "escalate_after_hours": r.escalate_after_hours,
                }
                for r in saved
            ],
        )
    return saved


async def start_approval(
    session: AsyncSession,
    tables: ApprovalTables,
    document_type: str,
    document_no: str,
    requester: str,
    levels: Sequence[str],
    at: datetime,
    *,
    allow_same_approver: bool = False,
    escalations: Sequence[Escalation] = (),
) -> ApprovalState:
    """Store a fresh approval for the document (replacing an earlier one, e.g. after an amendment); `escalations`
    per level (`plan_escalations`; none: the service's default for every level)."""
    kept = list(escalations) + [Escalation()] * (len(levels) - len(escalations))
    steps = tables.steps
    await session.execute(
        delete(steps).where((steps.c.document_type == document_type) & (steps.c.document_no == document_no))
    )
    if levels:
        await session.execute(
            insert(steps),
            [
                {
                    "document_type": document_type,
                    "document_no": document_no,
                    "level": i,
                    "role": role,
                    "requester": requester,
                    "requested_at": at,
                    "allow_same_approver": allow_same_approver,
                    "escalation_chain": list(kept[i - 1].chain),
                    "remind_after_hours": kept[i - 1].remind_after_hours,
                    "escalate_after_hours": kept[i - 1].escalate_after_hours,
                }
                for i, role in enumerate(levels, start=1)
            ],
        )
    return new_state(
        document_type, document_no, requester, levels, allow_same_approver=allow_same_approver, escalations=kept
    )


async def load_state(
    session: AsyncSession, tables: ApprovalTables, document_type: str, document_no: str, *, lock: bool = False
) -> ApprovalState | None:
    steps = tables.steps
    query = (
        select(steps)
        .where((steps.c.document_type == document_type) & (steps.c.document_no == document_no))
        .order_by(steps.c.level)
    )
    rows = list(await session.execute(query.with_for_update() if lock else query))
    if not rows:
        return None
    decisions = tuple(
        Decision(r.level, r.role, r.decided_by, r.verdict, r.comment, r.decided_at)
        for r in rows
        if r.verdict is not None
    )
    return ApprovalState(
        document_type,
        document_no,
        rows[0].requester,
        tuple(r.role for r in rows),
        decisions,
        allow_same_approver=rows[0].allow_same_approver,
        escalations=tuple(escalation_of(r._mapping) for r in rows),
    )


async def set_due(
    session: AsyncSession,
    tables: ApprovalTables,
    document_type: str,
    document_no: str,
    level: int,
    due_at: datetime | None,
    *,
    reminded: bool = False,
) -> None:
    """The pending `level`'s deadline (and, with `reminded`, that its reminder went out)."""
    steps = tables.steps
    values: dict[str, Any] = {"due_at": due_at}
    if reminded:
        values["escalations"] = steps.c.escalations + 1
    await session.execute(
        update(steps)
        .where(
            (steps.c.document_type == document_type)
            & (steps.c.document_no == document_no)
            & (steps.c.level == level)
            & steps.c.verdict.is_(None)
        )
        .values(**values)
    )


async def overdue_levels(
    session: AsyncSession, tables: ApprovalTables, document_types: Sequence[str], now: datetime, limit: int = 200
) -> list[Any]:
    """Pending levels past their deadline (locked, skipping those another replica holds), oldest first."""
    steps = tables.steps
    query = (
        select(steps)
        .where(
            steps.c.document_type.in_(list(document_types)),
            steps.c.verdict.is_(None),
            steps.c.due_at.is_not(None),
            steps.c.due_at <= now,
        )
        .order_by(steps.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.execute(query))


async def escalate_level(
    session: AsyncSession,
    tables: ApprovalTables,
    document_type: str,
    document_no: str,
    level: int,
    to_role: str,
    due_at: datetime | None = None,
) -> datetime | None:
    """The pending `level` is decided by `to_role` from now on (until `due_at`); returns since when it has been
    pending."""
    steps = tables.steps
    since: datetime | None = await session.scalar(
        update(steps)
        .where(
            (steps.c.document_type == document_type)
            & (steps.c.document_no == document_no)
            & (steps.c.level == level)
            & steps.c.verdict.is_(None)
        )
        .values(role=to_role, due_at=due_at, escalations=steps.c.escalations + 1)
        .returning(steps.c.requested_at)
    )
    return since


async def record_decision(session: AsyncSession, tables: ApprovalTables, state: ApprovalState) -> None:
    """Write the state's last decision (the one `decide` just added)."""
    d = state.last_decision
    if d is None:
        return
    steps = tables.steps
    await session.execute(
        update(steps)
        .where(
            (steps.c.document_type == state.document_type)
            & (steps.c.document_no == state.document_no)
            & (steps.c.level == d.level)
        )
        .values(verdict=d.verdict, decided_by=d.actor, comment=d.comment, decided_at=d.at)
    )


async def decide_and_record(
    session: AsyncSession,
    tables: ApprovalTables,
    document_type: str,
    document_no: str,
    *,
    actor: str,
    actor_roles: Sequence[str],
    verdict: Any,
    comment: str | None,
    at: datetime,
) -> ApprovalState | None:
    """Load (locked), decide and store in one go; None when the document has no approval."""
    state = await load_state(session, tables, document_type, document_no, lock=True)
    if state is None:
        return None
    state = decide(state, actor, actor_roles, verdict, comment, at)
    await record_decision(session, tables, state)
    return state


def waiting_for(tables: ApprovalTables, actor: str, roles: Sequence[str], document_types: Sequence[str]) -> Select[Any]:
    """The levels waiting now for one of `roles` (the approvals inbox): undecided, and every earlier level of
    the document approved (a rejection ends the approval, so nothing after it waits); not the actor's own
    requests (nobody decides those)."""
    steps = tables.steps
    earlier = steps.alias("earlier")
    not_yet_reached = (
        select(1)
        .where(
            (earlier.c.document_type == steps.c.document_type)
            & (earlier.c.document_no == steps.c.document_no)
            & (earlier.c.level < steps.c.level)
            & or_(earlier.c.verdict.is_(None), earlier.c.verdict != "approved")
        )
        .correlate(steps)
    )
    every = steps.alias("every")
    levels = (
        select(func.count())
        .where((every.c.document_type == steps.c.document_type) & (every.c.document_no == steps.c.document_no))
        .correlate(steps)
        .scalar_subquery()
    )
    return select(
        steps.c.document_type,
        steps.c.document_no,
        steps.c.level,
        steps.c.role,
        steps.c.requester,
        steps.c.requested_at,
        levels.label("levels"),
    ).where(
        steps.c.verdict.is_(None),
        steps.c.requester != actor,
        steps.c.role.in_(list(roles)),
        steps.c.document_type.in_(list(document_types)),
        ~exists(not_yet_reached),
    )

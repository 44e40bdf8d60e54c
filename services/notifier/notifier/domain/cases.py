"""The exception case (异常单) state machine, as data, and the escalation ladder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

CaseState = str
OPEN_STATES = ("open", "processing", "escalated")

# Allowed transitions, enforced in one place (`check_transition`).
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"processing", "escalated", "resolved"}),
    "processing": frozenset({"processing", "escalated", "resolved"}),
    "escalated": frozenset({"processing", "escalated", "resolved"}),
    "resolved": frozenset({"closed", "processing"}),
    "closed": frozenset(),
}


class CaseTransitionError(Exception):
    def __init__(self, from_state: str, to_state: str) -> None:
        super().__init__(f"a case cannot go from {from_state} to {to_state}")
        self.from_state = from_state
        self.to_state = to_state


def check_transition(from_state: str, to_state: str) -> None:
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise CaseTransitionError(from_state, to_state)


def next_role(ladder: Sequence[str], level: int, current: str | None) -> str | None:
    """The role a case goes to at escalation `level` (1 = first escalation); the top of the ladder stays."""
    if not ladder:
        return current
    return ladder[min(level, len(ladder)) - 1]


def sla_due(at: datetime, sla_hours: int) -> datetime:
    return at + timedelta(hours=sla_hours)


def is_breached(state: str, sla_due_at: datetime, now: datetime) -> bool:
    return state in OPEN_STATES and sla_due_at <= now


def sla_seconds_left(state: str, sla_due_at: datetime, now: datetime) -> int | None:
    """Whole seconds until the SLA passes (negative once breached); None for a resolved or closed case."""
    if state not in OPEN_STATES:
        return None
    return int((sla_due_at - now).total_seconds() // 1)


# Who works a case (assign, escalate, resolve, close). Everyone else on the staff may comment and link.
ADMIN = "admin"


def may_work(
    assignee_user: str | None,
    assignee_role: str | None,
    user: str,
    roles: frozenset[str],
    managers: Mapping[str, str],
) -> bool:
    """Its assigned user, the holders of its owner role, and that role's manager (`managers`: role → manager
    role; a role without one is its own manager); a case nobody owns, any manager; and admin."""
    if ADMIN in roles or (assignee_user is not None and assignee_user == user):
        return True
    if assignee_role is None:
        return bool(roles & set(managers.values()))
    return assignee_role in roles or managers.get(assignee_role, assignee_role) in roles

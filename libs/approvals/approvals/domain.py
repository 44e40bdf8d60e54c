"""The approval engine, pure: which roles must approve a document, in which order, and who may decide now.

Rules are data. A rule applies to a document when all its conditions hold:
- `document_type` matches;
- `min_amount <= amount` (inclusive) and `amount < max_amount` (exclusive), each when set, so the ranges
  [0, 10000) and [10000, ∞) tile without overlap;
- `categories` is empty, or shares at least one category with the document;
- `max_discount` is unset, or the document's discount is above it (discounts up to it need no approval).
Every applicable rule contributes its approver roles, in rule `position` order; a role already planned is not
planned twice. An empty plan means the document needs no approval.

Segregation of duties: a person decides at most one level of a document (holding two approver roles does not
let one approve twice), unless every rule that applies allows it explicitly (`allow_same_approver`). Only the
level's role may decide it: `admin` administers the rules, it is not an implicit approver of every level.

Deadlines and escalation (`Escalation`): a level pending for `remind_after_hours` is reminded (its role alerted
again); `escalate_after_hours` later it is escalated to the next role of the rule's `escalation_chain` (the role
after the level's current one in the chain, or the chain's first when the current role is not in it), which has as
long again, and so on to the chain's end. A level takes the escalation of the first rule (in position order) that
planned its role. What a rule leaves unset (no chain, no offsets) is the service's default (`EscalationDefaults`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

DocumentType = Literal["requisition", "purchase_order", "sales_order"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = ("requisition", "purchase_order", "sales_order")
Verdict = Literal["approved", "rejected"]
Status = Literal["pending", "approved", "rejected"]
PENDING: Status = "pending"
APPROVED: Status = "approved"
REJECTED: Status = "rejected"


class ApprovalError(Exception):
    """A decision the engine refuses. `code` is stable; `status` is the HTTP status an API should answer."""

    code = "approval_error"
    status = 409

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotApproverError(ApprovalError):
    """The actor lacks the role of the current level: an authorization failure (403)."""

    code = "not_approver"
    status = 403


class SelfApprovalError(ApprovalError):
    code = "self_approval"


class SameApproverError(ApprovalError):
    """The actor already decided another level of this document (segregation of duties)."""

    code = "same_approver"


class ApprovalClosedError(ApprovalError):
    code = "approval_closed"


class CommentRequiredError(ApprovalError):
    code = "comment_required"
    status = 422


@dataclass(frozen=True)
class EscalationDefaults:
    """A service's own deadlines and chain (role → next role), for the levels whose rule sets none."""

    remind_after: timedelta
    escalate_after: timedelta
    next_roles: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_seconds(
        cls, remind_after: float, escalate_after: float, next_roles: Mapping[str, str]
    ) -> EscalationDefaults:
        return cls(timedelta(seconds=remind_after), timedelta(seconds=escalate_after), dict(next_roles))


@dataclass(frozen=True)
class Escalation:
    """How one level waits: reminded after `remind_after_hours`, then escalated along `chain`, each step after
    `escalate_after_hours`. Empty / None: the service's default (`EscalationDefaults`)."""

    chain: tuple[str, ...] = ()
    remind_after_hours: int | None = None
    escalate_after_hours: int | None = None

    def remind_after(self, defaults: EscalationDefaults) -> timedelta:
        hours = self.remind_after_hours
        return defaults.remind_after if hours is None else timedelta(hours=hours)

    def escalate_after(self, defaults: EscalationDefaults) -> timedelta:
        hours = self.escalate_after_hours
        return defaults.escalate_after if hours is None else timedelta(hours=hours)

    def next_role(self, role: str, defaults: EscalationDefaults) -> str | None:
        """The role a level now decided by `role` escalates to; None at the end of the chain."""
        if self.chain:
            if role not in self.chain:
                return self.chain[0]
            i = self.chain.index(role) + 1
            return self.chain[i] if i < len(self.chain) else None
        to_role = defaults.next_roles.get(role)
        return None if to_role is None or to_role == role else to_role


NO_ESCALATION_SET = Escalation()


@dataclass(frozen=True)
class ApprovalRule:
    document_type: DocumentType
    approver_roles: tuple[str, ...]
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    categories: frozenset[str] = frozenset()
    max_discount: Decimal | None = None
    position: int = 0
    name: str = ""
    allow_same_approver: bool = False  # one person may decide several of its levels (explicitly allowed)
    escalation_chain: tuple[str, ...] = ()  # whom its levels escalate to, in order (empty: the service's default)
    remind_after_hours: int | None = None  # None: the service's default
    escalate_after_hours: int | None = None

    @property
    def escalation(self) -> Escalation:
        return Escalation(self.escalation_chain, self.remind_after_hours, self.escalate_after_hours)

    def applies(self, document_type: str, amount: Decimal, categories: frozenset[str], discount: Decimal) -> bool:
        return (
            self.document_type == document_type
            and (self.min_amount is None or amount >= self.min_amount)
            and (self.max_amount is None or amount < self.max_amount)
            and (not self.categories or bool(self.categories & categories))
            and (self.max_discount is None or discount > self.max_discount)
        )


def plan(
    rules: Iterable[ApprovalRule],
    document_type: str,
    amount: Decimal,
    categories: Iterable[str] = (),
    discount: Decimal = Decimal("0"),
) -> list[str]:
    """The ordered approver roles for a document; `[]` when no rule applies."""
    return [role for role, _ in _planned(rules, document_type, amount, categories, discount)]


def plan_escalations(
    rules: Iterable[ApprovalRule],
    document_type: str,
    amount: Decimal,
    categories: Iterable[str] = (),
    discount: Decimal = Decimal("0"),
) -> list[Escalation]:
    """Per level of `plan(...)` (the same order), the escalation of the rule that planned it."""
    return [rule.escalation for _, rule in _planned(rules, document_type, amount, categories, discount)]


def _planned(
    rules: Iterable[ApprovalRule], document_type: str, amount: Decimal, categories: Iterable[str], discount: Decimal
) -> list[tuple[str, ApprovalRule]]:
    cats = frozenset(c for c in categories if c)
    planned: list[tuple[str, ApprovalRule]] = []
    for rule in sorted(rules, key=lambda r: r.position):
        if rule.applies(document_type, amount, cats, discount):
            roles = {role for role, _ in planned}
            planned += [(role, rule) for role in rule.approver_roles if role not in roles]
    return planned


def same_approver_allowed(
    rules: Iterable[ApprovalRule],
    document_type: str,
    amount: Decimal,
    categories: Iterable[str] = (),
    discount: Decimal = Decimal("0"),
) -> bool:
    """May one person decide several levels of this document? Only when every rule that applies allows it."""
    cats = frozenset(c for c in categories if c)
    applicable = [r for r in rules if r.applies(document_type, amount, cats, discount)]
    return bool(applicable) and all(r.allow_same_approver for r in applicable)


@dataclass(frozen=True)
class Decision:
    level: int
    role: str
    actor: str
    verdict: Verdict
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class ApprovalState:
    """One document's approval: its levels (roles, level 1 first) and the decisions taken so far."""

    document_type: str
    document_no: str
    requester: str
    levels: tuple[str, ...]
    decisions: tuple[Decision, ...] = field(default=())
    allow_same_approver: bool = False
    escalations: tuple[Escalation, ...] = field(default=())  # per level (none kept: the service's default)

    def escalation_of(self, level: int) -> Escalation:
        return self.escalations[level - 1] if 0 < level <= len(self.escalations) else NO_ESCALATION_SET

    @property
    def status(self) -> Status:
        if any(d.verdict == "rejected" for d in self.decisions):
            return REJECTED
        return APPROVED if len(self.decisions) >= len(self.levels) else PENDING

    @property
    def current_level(self) -> int | None:
        """1-based level waiting for a decision; None once approved or rejected."""
        return len(self.decisions) + 1 if self.status == PENDING else None

    @property
    def current_role(self) -> str | None:
        level = self.current_level
        return self.levels[level - 1] if level is not None else None

    @property
    def last_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None


def new_state(
    document_type: str,
    document_no: str,
    requester: str,
    levels: Sequence[str],
    *,
    allow_same_approver: bool = False,
    escalations: Sequence[Escalation] = (),
) -> ApprovalState:
    return ApprovalState(
        document_type,
        document_no,
        requester,
        tuple(levels),
        allow_same_approver=allow_same_approver,
        escalations=tuple(escalations),
    )


def decide(
    state: ApprovalState,
    actor: str,
    actor_roles: Iterable[str],
    verdict: Verdict,
    comment: str | None,
    at: datetime,
) -> ApprovalState:
    """Record `actor`'s decision at the current level; the first rejection ends the approval."""
    role = state.current_role
    if role is None:
        raise ApprovalClosedError(f"{state.document_no}: approval is already {state.status}")
    if actor == state.requester:
        raise SelfApprovalError(f"{actor} requested {state.document_no} and cannot decide its approval")
    if role not in set(actor_roles):
        raise NotApproverError(f"level {state.current_level} of {state.document_no} needs the role {role}")
    earlier = next((d for d in state.decisions if d.actor == actor), None)
    if earlier is not None and not state.allow_same_approver:
        raise SameApproverError(
            f"{actor} decided level {earlier.level} of {state.document_no} and cannot decide another level"
        )
    text = comment.strip() if comment else None
    if verdict == "rejected" and not text:
        raise CommentRequiredError("a rejection needs a comment")
    level = len(state.decisions) + 1
    decision = Decision(level, role, actor, verdict, text or None, at)
    return replace(state, decisions=(*state.decisions, decision))

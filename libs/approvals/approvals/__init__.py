"""Multi-level approvals (多级审批): rules as data, a plan of approver roles per document, and decisions.

- `domain`: pure rules, `plan`, `ApprovalState`, `decide` and the errors (stdlib + decimal only);
- `store`: the two tables a service adds to its own metadata and async load/save helpers;
- `schemas`: pydantic request/response models for the rule-editing API;
- `web`: maps an `ApprovalError` to the service's problem+json error (403 for a wrong role).
"""

from approvals.domain import (
    APPROVED,
    DOCUMENT_TYPES,
    PENDING,
    REJECTED,
    ApprovalClosedError,
    ApprovalError,
    ApprovalRule,
    ApprovalState,
    CommentRequiredError,
    Decision,
    Escalation,
    EscalationDefaults,
    NotApproverError,
    SameApproverError,
    SelfApprovalError,
    decide,
    new_state,
    plan,
    plan_escalations,
    same_approver_allowed,
)

__all__ = [
    "APPROVED",
    "DOCUMENT_TYPES",
    "PENDING",
    "REJECTED",
    "ApprovalClosedError",
    "ApprovalError",
    "ApprovalRule",
    "ApprovalState",
    "CommentRequiredError",
    "Decision",
    "Escalation",
    "EscalationDefaults",
    "NotApproverError",
    "SameApproverError",
    "SelfApprovalError",
    "decide",
    "new_state",
    "plan",
    "plan_escalations",
    "same_approver_allowed",
]

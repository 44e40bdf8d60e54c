"""The approval engine's pure rules: planning and deciding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from approvals import (
    ApprovalClosedError,
    ApprovalRule,
    CommentRequiredError,
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
from approvals.schemas import RuleWrite

NOW = datetime(2026, 3, 1, tzinfo=UTC)
D = Decimal

RULES = [
    ApprovalRule("requisition", ("purchasing_manager",), min_amount=D("0"), max_amount=D("10000"), position=1),
    ApprovalRule("requisition", ("purchasing_manager", "admin"), min_amount=D("10000"), position=2),
    ApprovalRule("requisition", ("finance_manager",), categories=frozenset({"chemicals"}), position=3),
    ApprovalRule("sales_order", ("sales_manager",), max_discount=D("0.10"), position=1),
    ApprovalRule("purchase_order", ("purchasing_manager",), min_amount=D("50000"), position=1),
]


def test_amount_ranges_pick_the_matching_rule_min_inclusive_max_exclusive() -> None:
    assert plan(RULES, "requisition", D("9999.99")) == ["purchasing_manager"]
    assert plan(RULES, "requisition", D("10000")) == ["purchasing_manager", "admin"]


def test_category_rule_adds_its_roles_without_duplicates() -> None:
    assert plan(RULES, "requisition", D("20000"), ["chemicals", "x"]) == [
        "purchasing_manager",
        "admin",
        "finance_manager",
    ]
    assert plan(RULES, "requisition", D("5"), ["paper"]) == ["purchasing_manager"]


def test_no_rule_no_approval() -> None:
    assert plan(RULES, "purchase_order", D("49999.99")) == []
    assert plan([], "requisition", D("1")) == []


def test_discount_rule_applies_only_above_its_max_discount() -> None:
    assert plan(RULES, "sales_order", D("100"), discount=D("0.10")) == []
    assert plan(RULES, "sales_order", D("100"), discount=D("0.15")) == ["sales_manager"]


def test_two_levels_approve_in_order() -> None:
    state = new_state("requisition", "PR-2026-000001", "alice", ["purchasing_manager", "admin"])
    assert (state.status, state.current_level, state.current_role) == ("pending", 1, "purchasing_manager")
    state = decide(state, "bob", ["purchasing_manager"], "approved", "ok", NOW)
    assert (state.status, state.current_level, state.current_role) == ("pending", 2, "admin")
    state = decide(state, "carol", ["admin"], "approved", None, NOW)
    assert state.status == "approved" and state.current_level is None
    assert [(d.level, d.actor, d.verdict) for d in state.decisions] == [
        (1, "bob", "approved"),
        (2, "carol", "approved"),
    ]
    with pytest.raises(ApprovalClosedError):
        decide(state, "dave", ["admin"], "approved", None, NOW)


def test_first_rejection_ends_it() -> None:
    state = new_state("requisition", "PR-2026-000002", "alice", ["purchasing_manager", "finance_manager"])
    state = decide(state, "bob", ["purchasing_manager"], "rejected", "too expensive", NOW)
    assert state.status == "rejected" and state.current_level is None
    with pytest.raises(ApprovalClosedError):
        decide(state, "erin", ["finance_manager"], "approved", None, NOW)


def test_requester_cannot_approve_own_document_even_with_the_role() -> None:
    state = new_state("requisition", "PR-2026-000003", "alice", ["purchasing_manager"])
    with pytest.raises(SelfApprovalError) as err:
        decide(state, "alice", ["purchasing_manager", "admin"], "approved", None, NOW)
    assert err.value.code == "self_approval"


def test_wrong_role_is_a_403_error_and_admin_is_no_implicit_approver() -> None:
    state = new_state("requisition", "PR-2026-000004", "alice", ["purchasing_manager"])
    with pytest.raises(NotApproverError) as err:
        decide(state, "bob", ["purchaser", "sales_manager"], "approved", None, NOW)
    assert err.value.status == 403
    with pytest.raises(NotApproverError):
        decide(state, "root", ["admin"], "approved", None, NOW)


def test_one_person_decides_at_most_one_level() -> None:
    levels = ["purchasing_manager", "finance_manager"]
    state = new_state("requisition", "PR-2026-000005", "alice", levels)
    state = decide(state, "bob", ["purchasing_manager", "finance_manager"], "approved", None, NOW)
    with pytest.raises(SameApproverError) as err:
        decide(state, "bob", ["purchasing_manager", "finance_manager"], "approved", None, NOW)
    assert (err.value.code, err.value.status) == ("same_approver", 409)
    assert decide(state, "carol", ["finance_manager"], "approved", None, NOW).status == "approved"


def test_a_rule_may_allow_one_person_several_levels_explicitly() -> None:
    strict = ApprovalRule("requisition", ("purchasing_manager",), min_amount=D("0"), position=1)
    waived = ApprovalRule(
        "requisition", ("finance_manager",), min_amount=D("100"), position=2, allow_same_approver=True
    )
    # Every rule that applies must allow it: one strict rule keeps the separation.
    assert not same_approver_allowed([strict, waived], "requisition", D("500"))
    lenient = [ApprovalRule("requisition", r.approver_roles, r.min_amount, position=r.position,
                            allow_same_approver=True) for r in (strict, waived)]  # fmt: skip
    assert same_approver_allowed(lenient, "requisition", D("500"))
    assert not same_approver_allowed(lenient, "purchase_order", D("500"))  # none applies
    levels = plan(lenient, "requisition", D("500"))
    state = new_state("requisition", "PR-2026-000006", "alice", levels, allow_same_approver=True)
    for _ in levels:
        state = decide(state, "bob", ["purchasing_manager", "finance_manager"], "approved", None, NOW)
    assert state.status == "approved"


def test_rejection_needs_a_comment() -> None:
    state = new_state("requisition", "PR-2026-000005", "alice", ["purchasing_manager"])
    with pytest.raises(CommentRequiredError):
        decide(state, "bob", ["purchasing_manager"], "rejected", "  ", NOW)


def test_rule_schema_refuses_an_empty_range_and_unknown_roles() -> None:
    with pytest.raises(ValueError, match="min_amount"):
        RuleWrite(min_amount=D("10"), max_amount=D("5"), approver_roles=["admin"])
    with pytest.raises(ValueError):
        RuleWrite(approver_roles=["boss"])  # type: ignore[list-item]
    rule = RuleWrite(approver_roles=["purchasing_manager"], categories=["a"]).to_rule("requisition", 3)
    assert rule.categories == frozenset({"a"}) and rule.position == 3


def test_each_level_takes_the_escalation_of_the_rule_that_planned_it() -> None:
    rules = [
        ApprovalRule(
            "sales_order",
            ("sales_manager",),
            position=1,
            escalation_chain=("finance_manager", "admin"),
            remind_after_hours=4,
        ),
        ApprovalRule("sales_order", ("sales_manager", "finance_manager"), min_amount=D("1000"), position=2),
    ]
    assert plan(rules, "sales_order", D("5000")) == ["sales_manager", "finance_manager"]
    first, second = plan_escalations(rules, "sales_order", D("5000"))
    assert first == Escalation(("finance_manager", "admin"), 4, None)  # rule 1 planned sales_manager
    assert second == Escalation()  # rule 2's: nothing set, the service's default
    assert plan_escalations(rules, "sales_order", D("10")) == [first]


DEFAULTS = EscalationDefaults(timedelta(days=3), timedelta(days=1), {"sales_manager": "admin", "admin": "admin"})


def test_the_chain_names_the_next_role_and_ends() -> None:
    chain = Escalation(("finance_manager", "admin"), remind_after_hours=4, escalate_after_hours=2)
    assert chain.next_role("sales_manager", DEFAULTS) == "finance_manager"  # not in the chain: its first
    assert chain.next_role("finance_manager", DEFAULTS) == "admin"
    assert chain.next_role("admin", DEFAULTS) is None  # the end of the chain
    assert (chain.remind_after(DEFAULTS), chain.escalate_after(DEFAULTS)) == (timedelta(hours=4), timedelta(hours=2))
    default = Escalation()  # no chain of the rule's own: the service's, role → next role
    assert default.next_role("sales_manager", DEFAULTS) == "admin"
    assert default.next_role("admin", DEFAULTS) is None  # a role escalating to itself ends it too
    assert default.next_role("warehouse", DEFAULTS) is None
    assert (default.remind_after(DEFAULTS), default.escalate_after(DEFAULTS)) == (timedelta(days=3), timedelta(days=1))


def test_a_rule_escalation_chain_is_validated() -> None:
    ok = RuleWrite.model_validate({"approver_roles": ["sales_manager"], "escalation_chain": ["admin"]})
    assert ok.to_rule("sales_order").escalation == Escalation(("admin",))
    for bad in (
        {"escalation_chain": ["sales_manager", "nobody"]},  # an unknown role
        {"escalation_chain": ["admin", "admin"]},  # a role twice
        {"remind_after_hours": 0},
        {"escalate_after_hours": 9000},
    ):
        with pytest.raises(ValueError):
            RuleWrite.model_validate({"approver_roles": ["sales_manager"], **bad})

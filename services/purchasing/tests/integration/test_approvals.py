"""Approval rules and decisions through the API: level order, first rejection ends it, no self-approval,
wrong role 403, every decision audited, rules editable (and audited)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from purchasing_testkit import BUYER, Harness, uid

from purchasing.config import PurchasingSettings
from servicekit.testing import TopicTail

pytestmark = pytest.mark.integration


async def submitted(h: Harness, requester: str = BUYER) -> str:
    sku = uid("SKU")
    pr_no = await h.requisition(sku, "3", needed_in_days=10, sub=requester)
    await h.call("POST", f"/requisitions/{pr_no}/submit", "purchaser", sub=requester)
    return pr_no


async def test_rejection_at_level_two_ends_the_requisition(purchasing: Harness) -> None:
    h = purchasing
    pr_no = await submitted(h)
    await h.decide(pr_no, "purchasing_manager", "mgr.li")
    pr = await h.decide(pr_no, "finance_manager", "fin.zhao", decision="rejected", comment="预算不足")
    assert (pr["status"], pr["status_reason"]) == ("rejected", "预算不足")
    assert pr["approval"]["status"] == "rejected" and pr["approval"]["current_level"] is None
    r = await h.decide(pr_no, "finance_manager", "fin.qian", expect=409)
    assert r["code"] == "not_pending_approval"
    r = await h.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=409)
    assert r["code"] == "not_approved"
    audit = await h.rows(
        "SELECT actor, action FROM audit_log WHERE entity = 'requisition' AND entity_id = :p ORDER BY id", p=pr_no
    )
    assert [tuple(a) for a in audit if a.action.startswith("approval_")] == [
        ("mgr.li", "approval_approved"),
        ("fin.zhao", "approval_rejected"),
    ]
    page = await h.call("GET", f"/requisitions/{pr_no}", "auditor")
    assert [(a["actor"], a["action"]) for a in page["audit"] if a["action"].startswith("approval_")] == [
        ("mgr.li", "approval_approved"),
        ("fin.zhao", "approval_rejected"),
    ]


async def test_requester_cannot_approve_own_requisition(purchasing: Harness) -> None:
    h = purchasing
    pr_no = await submitted(h, requester="mgr.self")
    r = await h.decide(pr_no, "purchasing_manager", "mgr.self", expect=409)
    assert r["code"] == "self_approval"
    pr = await h.call("GET", f"/requisitions/{pr_no}", "auditor")
    assert pr["approval"]["decisions"] == [] and pr["status"] == "submitted"


async def test_wrong_role_is_403_and_changes_nothing(purchasing: Harness) -> None:
    h = purchasing
    pr_no = await submitted(h)
    r = await h.decide(pr_no, "finance_manager", "fin.zhao", expect=403)  # level 1 needs purchasing_manager
    assert r["code"] == "not_approver"
    await h.decide(pr_no, "auditor", "aud.sun", expect=403)
    await h.decide(pr_no, "purchaser", "buyer.zhou", expect=403)
    pr = await h.call("GET", f"/requisitions/{pr_no}", "auditor")
    assert pr["approval"]["current_level"] == 1 and pr["approval"]["decisions"] == []
    r = await h.decide(pr_no, "purchasing_manager", "mgr.li", decision="rejected", comment=None, expect=422)
    assert r["code"] == "comment_required"


async def test_rules_are_data_editable_and_audited(purchasing: Harness) -> None:
    h = purchasing
    rules = await h.call("GET", "/approval-rules/purchase_order", "auditor")
    assert rules["rules"][0]["approver_roles"] == ["purchasing_manager"]
    await h.call("PUT", "/approval-rules/purchase_order", "purchaser", json={"rules": []}, expect=403)
    bad = {"rules": [{"min_amount": "10", "max_amount": "5", "approver_roles": ["admin"]}]}
    r = await h.call("PUT", "/approval-rules/purchase_order", "purchasing_manager", json=bad, expect=422)
    assert r["code"] == "validation_failed"
    assert await h.scalar("SELECT count(*) FROM approval_rules WHERE document_type = 'purchase_order'") == 1


async def test_big_purchase_order_needs_its_approval(purchasing: Harness) -> None:
    h = purchasing
    sku = uid("SKU")
    supplier = await h.supplier()
    await h.quote(supplier, sku, "2000.00", lead=2)
    pr_no = await h.approved_requisition(sku, "60", needed_in_days=10)
    [po_no] = (await h.call("POST", f"/requisitions/{pr_no}/purchase-orders", "purchaser", expect=201))["po_nos"]
    po = await h.call("POST", f"/purchase-orders/{po_no}/submit", "purchaser")
    assert po["status"] == "pending_approval" and po["approval"]["levels"] == ["purchasing_manager"]
    r = await h.call("POST", f"/purchase-orders/{po_no}/send", "purchaser", expect=409)
    assert r["code"] == "invalid_transition"
    body = {"decision": "approved", "comment": "ok"}
    await h.call("POST", f"/purchase-orders/{po_no}/decisions", "purchasing_manager", sub=BUYER, json=body, expect=409)
    po = await h.call("POST", f"/purchase-orders/{po_no}/decisions", "purchasing_manager", sub="mgr.li", json=body)
    assert po["status"] == "approved"


async def test_one_person_decides_one_level_and_admin_is_no_implicit_approver(purchasing: Harness) -> None:
    h = purchasing
    pr_no = await submitted(h)
    both = ("purchasing_manager", "finance_manager")
    await h.call("POST", f"/requisitions/{pr_no}/decisions", "admin", sub="root", json={"decision": "approved"},
                 expect=403)  # fmt: skip
    await h.call("POST", f"/requisitions/{pr_no}/decisions", *both, sub="mgr.two", json={"decision": "approved"})
    r = await h.call("POST", f"/requisitions/{pr_no}/decisions", *both, sub="mgr.two",
                     json={"decision": "approved"}, expect=409)  # fmt: skip
    assert r["code"] == "same_approver"
    pr = await h.call("GET", f"/requisitions/{pr_no}", "auditor")
    assert pr["status"] == "submitted" and [d["decided_by"] for d in pr["approval"]["decisions"]] == ["mgr.two"]
    pr = await h.decide(pr_no, "finance_manager", "fin.zhao")
    assert pr["status"] == "approved"


async def test_a_rule_may_allow_one_person_every_level(purchasing: Harness) -> None:
    h = purchasing
    rule = {"name": "small team", "min_amount": "0", "approver_roles": ["purchasing_manager", "finance_manager"],
            "allow_same_approver": True}  # fmt: skip
    await h.call("PUT", "/approval-rules/requisition", "purchasing_manager", json={"rules": [rule]})
    try:
        pr_no = await submitted(h)
        both = ("purchasing_manager", "finance_manager")
        for _ in range(2):
            pr = await h.call("POST", f"/requisitions/{pr_no}/decisions", *both, sub="mgr.solo",
                              json={"decision": "approved"})  # fmt: skip
        assert pr["status"] == "approved"
    finally:
        await h.default_rules()


async def test_a_requisition_delivers_to_the_configured_default_warehouse_or_must_name_one(
    purchasing: Harness,
) -> None:
    h = purchasing
    line = {"sku": uid("SKU"), "qty": "1", "needed_by": str(h.today)}
    pr = await h.call("POST", "/requisitions", "purchaser", json={"department": "d", "lines": [line]}, expect=201)
    assert pr["warehouse_code"] == "WH-PUR"
    settings = h.runtime.settings
    assert isinstance(settings, PurchasingSettings)
    settings.default_warehouse = None
    try:
        r = await h.call("POST", "/requisitions", "purchaser", json={"department": "d", "lines": [line]}, expect=422)
        assert r["errors"] == [{"field": "warehouse_code", "reason": "required: no default warehouse is configured"}]
        body = {"department": "d", "warehouse_code": "WH-SH", "lines": [line]}
        assert (await h.call("POST", "/requisitions", "purchaser", json=body, expect=201))["warehouse_code"] == "WH-SH"
    finally:
        settings.default_warehouse = "WH-PUR"
    with pytest.raises(ValueError):
        PurchasingSettings(default_warehouse="bad code!")


async def test_a_pending_level_is_reminded_then_escalated_at_its_deadline(purchasing: Harness) -> None:
    from datetime import timedelta

    from purchasing.handlers.approval import approval_deadlines
    from purchasing.main import APPROVAL_JOB
    from servicekit.scheduler import run_once

    h = purchasing
    pr_no = await submitted(h)  # level 1: purchasing_manager, due in 2 days
    pending = "SELECT role, escalations FROM approval_steps WHERE document_no = :p AND level = 1"
    start = h.clock.now()

    def escalations(records: list[Any]) -> list[dict[str, Any]]:
        found = [json.loads(r.value) for r in records]
        return [e["payload"] for e in found if e["type"] == "ApprovalEscalated" and e["key"] == pr_no]

    try:
        async with TopicTail(h.infra.kafka_bootstrap, "purchasing.approvals") as tail:
            assert await run_once(h.runtime, APPROVAL_JOB, approval_deadlines)
            assert tuple((await h.rows(pending, p=pr_no))[0]) == ("purchasing_manager", 0)  # not due yet
            h.clock.advance(timedelta(days=2, seconds=1))
            assert await run_once(h.runtime, APPROVAL_JOB, approval_deadlines)
            assert tuple((await h.rows(pending, p=pr_no))[0]) == ("purchasing_manager", 1)  # reminded first
            h.clock.advance(timedelta(days=1, seconds=1))
            assert await run_once(h.runtime, APPROVAL_JOB, approval_deadlines)
            assert tuple((await h.rows(pending, p=pr_no))[0]) == ("admin", 2)  # then escalated
            records = await tail.wait_for(lambda rs: bool(escalations(rs)))
    finally:
        h.clock.set(start)
    [event] = escalations(records)
    assert (event["from_role"], event["to_role"], event["level"]) == ("purchasing_manager", "admin", 1)
    r = await h.decide(pr_no, "purchasing_manager", "mgr.li", expect=403)
    assert r["code"] == "not_approver"  # the level is admin's now
    pr = await h.decide(pr_no, "admin", "ops.boss")
    assert pr["approval"]["current_level"] == 2
    audit = await h.rows(
        "SELECT action FROM audit_log WHERE entity = 'requisition' AND entity_id = :p ORDER BY id", p=pr_no
    )
    assert "approval_escalated" in [a.action for a in audit]


async def test_a_rule_escalation_chain_and_offsets_drive_the_deadlines(purchasing: Harness) -> None:
    """The rule's own chain and offsets, not the service's: reminded after its 2 hours, escalated after 1 hour more
    to the chain's first role, then its next, then no deadline at the chain's end."""
    from datetime import timedelta

    from purchasing.handlers.approval import approval_deadlines
    from purchasing.main import APPROVAL_JOB
    from servicekit.scheduler import run_once

    h = purchasing
    chained = {"name": "chained", "min_amount": "0", "approver_roles": ["purchasing_manager"],
               "escalation_chain": ["finance_manager", "admin"], "remind_after_hours": 2,
               "escalate_after_hours": 1}  # fmt: skip
    bad = {"rules": [{**chained, "escalation_chain": ["finance_manager", "chief"]}]}
    r = await h.call("PUT", "/approval-rules/requisition", "purchasing_manager", json=bad, expect=422)
    assert [e["field"] for e in r["errors"]] == ["rules.0.escalation_chain.1"]  # an unknown role
    twice = {"rules": [{**chained, "escalation_chain": ["admin", "admin"]}]}
    r = await h.call("PUT", "/approval-rules/requisition", "purchasing_manager", json=twice, expect=422)
    assert [e["field"] for e in r["errors"]] == ["rules.0.escalation_chain"]
    saved = await h.call("PUT", "/approval-rules/requisition", "purchasing_manager", json={"rules": [chained]})
    assert saved["rules"][0]["escalation_chain"] == ["finance_manager", "admin"]
    assert (saved["rules"][0]["remind_after_hours"], saved["rules"][0]["escalate_after_hours"]) == (2, 1)
    start = h.clock.now()
    pending = "SELECT role, escalations, due_at FROM approval_steps WHERE document_no = :p AND level = 1"

    async def tick(hours: float) -> tuple[str, int, Any]:
        h.clock.advance(timedelta(hours=hours))
        assert await run_once(h.runtime, APPROVAL_JOB, approval_deadlines)
        return tuple((await h.rows(pending, p=pr_no))[0])

    try:
        pr_no = await submitted(h)
        assert (await h.rows(pending, p=pr_no))[0].due_at == start + timedelta(hours=2)  # the rule's, not 2 days
        await h.default_rules()  # the level keeps what its rule said when the approval started
        assert (await tick(1.9))[:2] == ("purchasing_manager", 0)
        assert (await tick(0.2))[:2] == ("purchasing_manager", 1)  # reminded first
        assert (await tick(0.9))[:2] == ("purchasing_manager", 1)
        assert (await tick(0.2))[:2] == ("finance_manager", 2)  # escalated to the chain's first role
        assert (await tick(1.1))[:2] == ("admin", 3)  # then its next
        assert await tick(5) == ("admin", 3, None)  # the chain's end: it waits without a deadline
    finally:
        h.clock.set(start)
        await h.default_rules()
    r = await h.decide(pr_no, "finance_manager", "fin.zhao", expect=403)
    assert r["code"] == "not_approver"
    escalated = await h.rows(
        "SELECT before, after FROM audit_log WHERE entity = 'requisition' AND entity_id = :p"
        " AND action = 'approval_escalated' ORDER BY id",
        p=pr_no,
    )
    assert [(a.before["role"], a.after["role"]) for a in escalated] == [
        ("purchasing_manager", "finance_manager"),
        ("finance_manager", "admin"),
    ]


async def test_waiting_inbox_follows_the_current_level(purchasing: Harness) -> None:
    """The approvals inbox lists a document for the role of its current level only, never the requester's
    own, and drops it once decided (level 1 → level 2's role; a rejection ends it for everyone)."""
    h = purchasing

    def mine(items: list[dict[str, object]], no: str) -> list[dict[str, object]]:
        return [x for x in items if x["document_no"] == no]

    pr_no = await submitted(h)
    [item] = mine(await h.call("GET", "/approvals/waiting", "purchasing_manager", sub="mgr.li"), pr_no)
    assert (item["document_type"], item["level"], item["levels"], item["role"]) == (
        "requisition",
        1,
        2,
        "purchasing_manager",
    )
    assert item["requester"] == BUYER and item["currency"] == "CNY"
    assert mine(await h.call("GET", "/approvals/waiting", "finance_manager", sub="fin.zhao"), pr_no) == []
    assert mine(await h.call("GET", "/approvals/waiting", "purchasing_manager", sub=BUYER), pr_no) == []
    await h.decide(pr_no, "purchasing_manager", "mgr.li")
    assert mine(await h.call("GET", "/approvals/waiting", "purchasing_manager", sub="mgr.li"), pr_no) == []
    [item] = mine(await h.call("GET", "/approvals/waiting", "finance_manager", sub="fin.zhao"), pr_no)
    assert item["level"] == 2
    await h.decide(pr_no, "finance_manager", "fin.zhao", decision="rejected", comment="预算不足")
    assert mine(await h.call("GET", "/approvals/waiting", "finance_manager", sub="fin.qian"), pr_no) == []
    await h.call("GET", "/approvals/waiting", "auditor", expect=403)

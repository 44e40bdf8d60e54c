"""Notifier examples."""

from __future__ import annotations

from contracts import notifier as ntf
from contracts.envelope import Message
from contracts.examples.story import ALERT, AT, BILL, CASE, PO, SUPPLIER

EXAMPLES: list[Message] = [
    ntf.AlertRaised(
        alert_id=ALERT,
        rule_code="po_overdue",
        title="PO-2026-000001 is 3 days overdue",
        message="Expected 2026-03-16; 0 of 100 received.",
        severity="warning",
        subject_type="purchase_order",
        subject_id=PO,
        recipients=[ntf.Recipient(kind="role", address="purchaser")],
        channels=["in_app", "email"],
        raised_at=AT,
    ),
    ntf.ExceptionCaseOpened(
        case_no=CASE,
        case_type="price_mismatch",
        title="BILL-2026-000001 price differs from PO",
        description="Unit price 16.20 billed, 15.00 ordered.",
        severity="critical",
        subject_type="bill",
        subject_id=BILL,
        supplier_code=SUPPLIER,
        assignee_role="purchasing_manager",
        sla_due_at=AT,
        source_alert_id=ALERT,
        opened_at=AT,
    ),
    ntf.ExceptionCaseAssigned(case_no=CASE, assignee_user="u-purchasing-mgr", assigned_by="u-admin", assigned_at=AT),
    ntf.ExceptionCaseEscalated(case_no=CASE, level=2, reason="sla_breached", to_role="admin", escalated_at=AT),
    ntf.ExceptionCaseResolved(
        case_no=CASE,
        resolution="new price agreed; PO amended",
        resolved_by="u-purchasing-mgr",
        resolved_at=AT,
    ),
    ntf.ExceptionCaseClosed(case_no=CASE, closed_by="u-admin", closed_at=AT),
]

"""Messages produced by the notifier service: alerts and exception cases (异常单).

Alerts are keyed by `alert_id`, exception case events by `case_no`. Both name their subject (`subject_type`,
`subject_id`) so reports can group them by document, supplier or customer.
"""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.common import CaseNo, Code, ContractModel, Role, Severity, ShortText, Text, UserId
from contracts.envelope import Message

SubjectType = Literal[
    "requisition",
    "purchase_order",
    "goods_receipt",
    "sales_order",
    "outbound_order",
    "invoice",
    "bill",
    "payment",
    "stocktake",
    "product",
    "customer",
    "supplier",
    "approval",
    "message",
]
SubjectId = Annotated[str, Field(min_length=1, max_length=128, description="document no, code or sku")]
RuleCode = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["po_overdue"], description="a snake_case code")
]
NotificationChannel = Literal["in_app", "email", "webhook", "sms"]


class Recipient(ContractModel):
    kind: Literal["user", "role", "email", "webhook", "phone"]
    address: Annotated[str, Field(min_length=1, max_length=512, description="user id, role, address, url name")]


class AlertRaised(Message):
    """A rule fired for a subject. `alert_id` is stable per (rule, subject), so an alert is delivered once."""

    message_type: ClassVar[str] = "AlertRaised"
    key_field: ClassVar[str] = "alert_id"

    alert_id: uuid.UUID
    rule_code: RuleCode
    title: ShortText
    message: Text
    severity: Severity
    subject_type: SubjectType
    subject_id: SubjectId
    recipients: Annotated[list[Recipient], Field(min_length=1)]
    channels: Annotated[list[NotificationChannel], Field(min_length=1)]
    source_event_id: uuid.UUID | None = Field(default=None, description="the event that triggered the rule")
    raised_at: AwareDatetime


class ExceptionCaseOpened(Message):
    """A serious anomaly opened an exception case (`open`), assigned to a role or user, with an SLA."""

    message_type: ClassVar[str] = "ExceptionCaseOpened"
    key_field: ClassVar[str] = "case_no"

    case_no: CaseNo
    case_type: RuleCode = Field(description="e.g. over_receipt, price_mismatch, stocktake_variance")
    title: ShortText
    description: Text
    severity: Severity
    subject_type: SubjectType
    subject_id: SubjectId
    supplier_code: Code | None = None
    customer_code: Code | None = None
    assignee_role: Role | None = None
    assignee_user: UserId | None = None
    sla_due_at: AwareDatetime
    source_alert_id: uuid.UUID | None = None
    opened_at: AwareDatetime


class ExceptionCaseAssigned(Message):
    """Someone took the case (`processing`) or it was reassigned."""

    message_type: ClassVar[str] = "ExceptionCaseAssigned"
    key_field: ClassVar[str] = "case_no"

    case_no: CaseNo
    assignee_role: Role | None = None
    assignee_user: UserId | None = None
    assigned_by: UserId
    assigned_at: AwareDatetime


class ExceptionCaseEscalated(Message):
    """The case passed its SLA (or was escalated by hand) and moved up a level (`escalated`)."""

    message_type: ClassVar[str] = "ExceptionCaseEscalated"
    key_field: ClassVar[str] = "case_no"

    case_no: CaseNo
    level: Annotated[int, Field(ge=1)]
    reason: Literal["sla_breached", "manual"]
    to_role: Role | None = None
    to_user: UserId | None = None
    sla_due_at: AwareDatetime | None = Field(default=None, description="the new SLA")
    escalated_at: AwareDatetime


class ExceptionCaseResolved(Message):
    """The case's cause was dealt with (`resolved`); the resolution is kept for analysis."""

    message_type: ClassVar[str] = "ExceptionCaseResolved"
    key_field: ClassVar[str] = "case_no"

    case_no: CaseNo
    resolution: Text
    resolved_by: UserId
    resolved_at: AwareDatetime


class ExceptionCaseClosed(Message):
    """The resolved case was closed and archived for analysis."""

    message_type: ClassVar[str] = "ExceptionCaseClosed"
    key_field: ClassVar[str] = "case_no"

    case_no: CaseNo
    closed_by: UserId
    closed_at: AwareDatetime

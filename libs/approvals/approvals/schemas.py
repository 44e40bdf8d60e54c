"""HTTP models for the rule-editing API (GET/PUT the rules of one document type) and approval views."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from approvals.domain import ApprovalRule, ApprovalState, DocumentType
from servicekit.inputs import OptionalLongText
from servicekit.tabular import ExportFormat, columns, export_rows

ApproverRole = Literal[
    "admin",
    "purchaser",
    "purchasing_manager",
    "sales",
    "sales_manager",
    "warehouse",
    "finance",
    "finance_manager",
]


class RuleWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    min_amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    max_amount: Decimal | None = Field(default=None, gt=0, max_digits=18, decimal_places=2)
    categories: list[str] = Field(default_factory=list, max_length=100)
    max_discount: Decimal | None = Field(default=None, ge=0, le=1, max_digits=5, decimal_places=4)
    approver_roles: list[ApproverRole] = Field(min_length=1, max_length=10)
    allow_same_approver: bool = Field(
        default=False, description="one person may decide several levels (segregation of duties waived)"
    )
    escalation_chain: list[ApproverRole] = Field(
        default_factory=list,
        max_length=10,
        description="whom a level of this rule escalates to, in order: the role after the level's current one"
        " (the first when it is not in the chain); empty: the service's default chain",
    )
    remind_after_hours: int | None = Field(
        default=None, ge=1, le=8760, description="a pending level is reminded after this; null: the service's default"
    )
    escalate_after_hours: int | None = Field(
        default=None,
        ge=1,
        le=8760,
        description="then escalated after this, and again after each escalation; null: the service's default",
    )

    @model_validator(mode="after")
    def _range(self) -> RuleWrite:
        if self.min_amount is not None and self.max_amount is not None and self.min_amount >= self.max_amount:
            raise ValueError("min_amount must be below max_amount")
        return self

    @field_validator("escalation_chain")
    @classmethod
    def _chain(cls, chain: list[str]) -> list[str]:
        if len(set(chain)) != len(chain):
            raise ValueError("names a role twice")
        return chain

    def to_rule(self, document_type: DocumentType, position: int = 0) -> ApprovalRule:
        return ApprovalRule(
            document_type=document_type,
            approver_roles=tuple(self.approver_roles),
            min_amount=self.min_amount,
            max_amount=self.max_amount,
            categories=frozenset(self.categories),
            max_discount=self.max_discount,
            position=position,
            name=self.name,
            allow_same_approver=self.allow_same_approver,
            escalation_chain=tuple(self.escalation_chain),
            remind_after_hours=self.remind_after_hours,
            escalate_after_hours=self.escalate_after_hours,
        )


class RuleSetWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleWrite] = Field(max_length=100)


class RuleRead(BaseModel):
    position: int
    name: str
    min_amount: Decimal | None
    max_amount: Decimal | None
    categories: list[str]
    max_discount: Decimal | None
    approver_roles: list[str]
    allow_same_approver: bool
    escalation_chain: list[str]
    remind_after_hours: int | None
    escalate_after_hours: int | None

    @classmethod
    def of(cls, rule: ApprovalRule) -> RuleRead:
        return cls(
            position=rule.position,
            name=rule.name,
            min_amount=rule.min_amount,
            max_amount=rule.max_amount,
            categories=sorted(rule.categories),
            max_discount=rule.max_discount,
            approver_roles=list(rule.approver_roles),
            allow_same_approver=rule.allow_same_approver,
            escalation_chain=list(rule.escalation_chain),
            remind_after_hours=rule.remind_after_hours,
            escalate_after_hours=rule.escalate_after_hours,
        )


class RuleSetRead(BaseModel):
    document_type: str
    rules: list[RuleRead]

    def export(self, fmt: ExportFormat) -> StreamingResponse:
        """The rules as a file, one row per rule in the order they are tried."""
        rows = [{"document_type": self.document_type, **r.model_dump()} for r in self.rules]
        return export_rows(rows, RULE_COLUMNS, fmt=fmt, name=f"approval-rules-{self.document_type}")


RULE_COLUMNS = columns(
    ("document_type", "单据类型", "Document type"),
    ("position", "顺序", "Position"),
    ("name", "名称", "Name"),
    ("min_amount", "最低金额", "Min amount"),
    ("max_amount", "最高金额", "Max amount"),
    ("categories", "品类", "Categories"),
    ("max_discount", "最大折扣", "Max discount"),
    ("approver_roles", "审批角色", "Approver roles"),
    ("allow_same_approver", "允许同一人", "Same approver allowed"),
    ("escalation_chain", "升级链", "Escalation chain"),
    ("remind_after_hours", "提醒时限(小时)", "Remind after (h)"),
    ("escalate_after_hours", "升级时限(小时)", "Escalate after (h)"),
)


class DecisionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "rejected"]
    comment: OptionalLongText = None


class DecisionRead(BaseModel):
    level: int
    role: str
    decided_by: str
    decision: str
    comment: str | None
    decided_at: datetime


class ApprovalRead(BaseModel):
    status: str
    levels: list[str]
    current_level: int | None
    current_role: str | None
    requester: str
    decisions: list[DecisionRead]

    @classmethod
    def of(cls, state: ApprovalState) -> ApprovalRead:
        return cls(
            status=state.status,
            levels=list(state.levels),
            current_level=state.current_level,
            current_role=state.current_role,
            requester=state.requester,
            decisions=[
                DecisionRead(
                    level=d.level,
                    role=d.role,
                    decided_by=d.actor,
                    decision=d.verdict,
                    comment=d.comment,
                    decided_at=d.at,
                )
                for d in state.decisions
            ],
        )


class WaitingRead(BaseModel):
    """One document waiting for a decision of the caller's roles (the approvals inbox)."""

    document_type: str
    document_no: str
    level: int
    levels: int
    role: str
    requester: str
    requested_at: datetime
    party: str | None = Field(description="the supplier, customer or department the document is for")
    amount: Decimal
    currency: str


WAITING_COLUMNS = columns(
    ("document_type", "单据类型", "Document type"),
    ("document_no", "单据号", "Document no"),
    ("level", "审批级", "Level"),
    ("levels", "共几级", "Levels"),
    ("role", "审批角色", "Role"),
    ("requester", "申请人", "Requester"),
    ("requested_at", "提交时间", "Requested at"),
    ("party", "对象", "Party"),
    ("amount", "金额", "Amount"),
    ("currency", "币种", "Currency"),
)


def export_waiting(items: list[WaitingRead], fmt: ExportFormat) -> StreamingResponse:
    """The approvals inbox as a file (the same rows as the JSON list)."""
    return export_rows([x.model_dump() for x in items], WAITING_COLUMNS, fmt=fmt, name="approvals-waiting")

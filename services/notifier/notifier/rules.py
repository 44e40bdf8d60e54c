"""Rules as data: the schema a rule must satisfy (API and shipped defaults alike)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from contracts.common import Role, Severity
from notifier.domain.conditions import OPS, to_decimal
from notifier.domain.templates import TEMPLATES
from notifier.subjects import EVENT_TYPES, WATCH_TYPES

RuleCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Channel = Literal["in_app", "email", "webhook", "sms"]
PARTY_ADDRESSES = ("$customer", "$supplier")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


def at_least(severity: Severity) -> list[str]:
    """The severities from `severity` up."""
    return [s for s, rank in SEVERITY_RANK.items() if rank >= SEVERITY_RANK[severity]]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_-]+)*$")
    op: Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists"]
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        assert self.op in OPS
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("`in` needs a list value")
        if self.op in ("gt", "gte", "lt", "lte") and to_decimal(self.value) is None:
            raise ValueError(f"`{self.op}` needs a number (or a numeric string) value")
        return self


class RuleRecipient(BaseModel):
    """A role or user (in-app, and their contacts' email/phone), or an email/phone; `$customer` and
    `$supplier` stand for the email or phone of the document's customer or supplier, and a role or user
    `$field` for the value of that event field (e.g. `$approver_role`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["role", "user", "email", "phone"]
    address: str = Field(min_length=1, max_length=254)

    @model_validator(mode="after")
    def _valid_address(self) -> RuleRecipient:
        dynamic = self.address.startswith("$")
        if self.kind == "role" and not dynamic and self.address not in Role.__args__:  # type: ignore[attr-defined]
            raise ValueError(f"unknown role {self.address}")
        if self.kind == "email" and self.address not in PARTY_ADDRESSES and "@" not in self.address:
            raise ValueError("an email address, $customer or $supplier")
        return self


class RuleWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["event", "time"]
    description: str = Field(default="", max_length=500)
    event_type: str | None = Field(default=None, validate_default=True, description="message type (event rules)")
    conditions: list[Condition] = Field(default_factory=list)
    watch_type: str | None = Field(default=None, validate_default=True, description="what a time rule watches")
    offset_minutes: int | None = Field(
        default=None,
        validate_default=True,
        description="time rules fire at the watch's reference time + offset (negative: before)",
    )
    dedup_field: str | None = Field(
        default=None, max_length=100, description="payload path that makes a new alert (e.g. dunning level)"
    )
    severity: Severity
    recipients: list[RuleRecipient] = Field(default_factory=list)
    channels: Annotated[list[Channel], Field(min_length=1)]

    @field_validator("event_type")
    @classmethod
    def _event_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "event" and value not in EVENT_TYPES:
            raise ValueError(f"event rules need one of {', '.join(sorted(EVENT_TYPES))}")
        return value

    @field_validator("watch_type")
    @classmethod
    def _watch_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "time" and value not in WATCH_TYPES:
            raise ValueError(f"time rules need one of {', '.join(WATCH_TYPES)}")
        return value

    @field_validator("offset_minutes")
    @classmethod
    def _offset(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") == "time" and value is None:
            raise ValueError("time rules need an offset")
        return value

    @field_validator("channels")
    @classmethod
    def _someone_to_tell(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not info.data.get("recipients") and value != ["webhook"]:
            raise ValueError("only a webhook-only rule may have no recipients")
        return value

    webhooks: list[str] | None = Field(default=None, description="endpoint names; null = every endpoint")
    template_key: str
    opens_case: bool = False
    case_type: RuleCode | None = None
    sla_hours: int | None = Field(default=None, ge=1, le=24 * 90)
    escalation_roles: list[Role] = Field(default_factory=list)
    clears_on: list[str] = Field(default_factory=list, description="message types clearing the condition")
    enabled: bool = True

    @field_validator("template_key")
    @classmethod
    def _known_template(cls, value: str) -> str:
        if value not in TEMPLATES:
            raise ValueError(f"unknown template; one of {', '.join(sorted(TEMPLATES))}")
        return value

    @field_validator("clears_on")
    @classmethod
    def _known_clearing_types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown message types {unknown}")
        return value

    @model_validator(mode="after")
    def _case_defaults(self) -> RuleWrite:
        if self.opens_case and self.sla_hours is None:
            self.sla_hours = 24
        return self


class RuleCreate(RuleWrite):
    code: RuleCode


class RuleRead(RuleCreate):
    model_config = ConfigDict(extra="ignore")

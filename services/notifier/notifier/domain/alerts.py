"""What the alerting and the exception cases share, with no I/O: the shape of an alert a rule raises (a stored
rule, or the built-in escalation re-alert) and one firing of it. Raising alerts
(handlers/alerts.py) opens cases (handlers/cases.py), and escalating a case (handlers/escalation.py) raises an
alert: both sides import these from here, not from each other."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AlertRule:
    """The part of a rule that shapes an alert (a stored rule, or the built-in escalation re-alert)."""

    code: str
    severity: str
    recipients: Sequence[Mapping[str, str]]
    channels: Sequence[str]
    template_key: str
    webhooks: Sequence[str] | None = None
    opens_case: bool = False
    case_type: str | None = None
    sla_hours: int | None = None
    escalation_roles: Sequence[str] = field(default_factory=list)

    @classmethod
    def of(cls, row: Any) -> AlertRule:
        return cls(
            code=row.code,
            severity=row.severity,
            recipients=row.recipients,
            channels=row.channels,
            template_key=row.template_key,
            webhooks=row.webhooks,
            opens_case=row.opens_case,
            case_type=row.case_type,
            sla_hours=row.sla_hours,
            escalation_roles=row.escalation_roles,
        )


@dataclass(frozen=True)
class Raise:
    """One firing: what it is about and the fields its template may use."""

    subject_type: str
    subject_id: str
    dedup_key: str
    context: dict[str, Any]
    supplier_code: str | None = None
    customer_code: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    source_event_id: uuid.UUID | None = None
    watch_id: int | None = None
    case_no: str | None = None

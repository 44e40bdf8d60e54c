"""What a delivery carries: the alert's texts in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AlertContent:
    alert_id: str
    rule_code: str
    severity: str
    subject_type: str
    subject_id: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    raised_at: datetime
    case_no: str | None = None

    @classmethod
    def of(cls, row: Any) -> AlertContent:
        return cls(
            alert_id=str(row.alert_id),
            rule_code=row.rule_code,
            severity=row.severity,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            title_zh=row.title_zh,
            title_en=row.title_en,
            body_zh=row.body_zh,
            body_en=row.body_en,
            raised_at=row.raised_at,
            case_no=row.case_no,
        )

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"

    @property
    def text(self) -> str:
        return f"{self.title_zh}\n{self.body_zh}\n\n{self.title_en}\n{self.body_en}"

    def markdown(self) -> str:
        case = f"\n\n异常单 / Case: {self.case_no}" if self.case_no else ""
        return (
            f"### [{self.severity.upper()}] {self.title_zh}\n{self.body_zh}\n\n"
            f"### {self.title_en}\n{self.body_en}{case}"
        )

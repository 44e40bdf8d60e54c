"""The notifier's export columns: alerts, cases and the case report (one row per dimension and value)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import StreamingResponse

from servicekit.tabular import ExportFormat, columns, export_rows

ALERTS = columns(
    ("raised_at", "时间", "Raised (UTC)"),
    ("severity", "级别", "Severity"),
    ("rule_code", "规则", "Rule"),
    ("subject_type", "对象类型", "Subject type"),
    ("subject_id", "对象", "Subject"),
    ("title_zh", "标题", "Title (zh)"),
    ("title_en", "Title", "Title (en)"),
    ("supplier_code", "供应商编码", "Supplier"),
    ("customer_code", "客户编码", "Customer"),
    ("case_no", "工单号", "Case"),
    ("delivery_status", "发送状态", "Delivery"),
    ("cleared_at", "解除时间", "Cleared (UTC)"),
)
CASES = columns(
    ("case_no", "工单号", "Case"),
    ("case_type", "类型", "Type"),
    ("state", "状态", "State"),
    ("severity", "级别", "Severity"),
    ("title", "标题", "Title"),
    ("subject_type", "对象类型", "Subject type"),
    ("subject_id", "对象", "Subject"),
    ("supplier_code", "供应商编码", "Supplier"),
    ("customer_code", "客户编码", "Customer"),
    ("assignee_role", "处理角色", "Assignee role"),
    ("assignee_user", "处理人", "Assignee"),
    ("level", "升级级别", "Escalation level"),
    ("sla_due_at", "时限", "SLA due (UTC)"),
    ("opened_at", "创建时间", "Opened (UTC)"),
    ("resolved_at", "解决时间", "Resolved (UTC)"),
    ("resolution", "处理结果", "Resolution"),
    ("closed_at", "关闭时间", "Closed (UTC)"),
)
REPORT = columns(("dimension", "维度", "Dimension"), ("value", "取值", "Value"), ("count", "数量", "Count"))


def export_case_report(report: dict[str, Any], fmt: ExportFormat) -> StreamingResponse:
    rows: list[dict[str, Any]] = [
        {"dimension": name, "value": report[name]} for name in ("total", "resolved", "escalated")
    ]
    rows.append({"dimension": "mean_hours_to_resolve", "value": report["mean_hours_to_resolve"]})
    for dimension in ("by_type", "by_supplier", "by_customer", "by_state"):
        rows.extend({"dimension": dimension, "value": k, "count": n} for k, n in report[dimension].items())
    rows.extend(
        {"dimension": "mean_hours_to_resolve_by_type", "value": t, "count": h}
        for t, h in report["mean_hours_to_resolve_by_type"].items()
    )
    return export_rows(rows, REPORT, fmt=fmt, name="case-report")

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
DELIVERIES = columns(
    ("id", "发送号", "Delivery"),
    ("alert_id", "预警号", "Alert"),
    ("channel", "渠道", "Channel"),
    ("target", "接收方", "Target"),
    ("status", "状态", "Status"),
    ("attempts", "尝试次数", "Attempts"),
    ("max_attempts", "最多尝试", "Max attempts"),
    ("next_attempt_at", "下次尝试", "Next attempt (UTC)"),
    ("last_error", "最近错误", "Last error"),
    ("delivered_at", "送达时间", "Delivered (UTC)"),
    ("failed_at", "失败时间", "Failed (UTC)"),
)
ATTEMPTS = columns(
    ("delivery_id", "发送号", "Delivery"),
    ("attempt_no", "第几次", "Attempt"),
    ("at", "时间", "At (UTC)"),
    ("ok", "成功", "OK"),
    ("detail", "详情", "Detail"),
    ("duration_ms", "耗时毫秒", "Duration (ms)"),
)
INBOX = columns(
    ("id", "消息号", "Item"),
    ("created_at", "时间", "At (UTC)"),
    ("severity", "级别", "Severity"),
    ("rule_code", "规则", "Rule"),
    ("subject_type", "对象类型", "Subject type"),
    ("subject_id", "对象", "Subject"),
    ("title_zh", "标题", "Title (zh)"),
    ("title_en", "Title", "Title (en)"),
    ("case_no", "工单号", "Case"),
    ("recipient_kind", "接收类型", "Recipient kind"),
    ("recipient", "接收方", "Recipient"),
    ("read", "已读", "Read"),
)
RULES = columns(
    ("code", "规则编码", "Rule"),
    ("kind", "类型", "Kind"),
    ("description", "说明", "Description"),
    ("event_type", "事件类型", "Event type"),
    ("watch_type", "监控对象", "Watch"),
    ("offset_minutes", "偏移分钟", "Offset (min)"),
    ("conditions", "条件", "Conditions"),
    ("severity", "级别", "Severity"),
    ("recipients", "接收方", "Recipients"),
    ("channels", "渠道", "Channels"),
    ("opens_case", "生成工单", "Opens a case"),
    ("enabled", "启用", "Enabled"),
)
WEBHOOKS = columns(
    ("name", "名称", "Name"),
    ("kind", "类型", "Kind"),
    ("url", "地址", "URL"),
    ("enabled", "启用", "Enabled"),
    ("min_severity", "最低级别", "Min severity"),
    ("has_secret", "已设密钥", "Has a secret"),
    ("source", "来源", "Source"),
)
CONTACTS = columns(
    ("kind", "类型", "Kind"), ("name", "名称", "Name"), ("emails", "邮箱", "Emails"), ("phones", "电话", "Phones")
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

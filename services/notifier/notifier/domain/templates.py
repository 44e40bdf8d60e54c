"""Alert messages in Chinese and English, by template key. Placeholders name context fields
(`{po_no}`, `{lines[0][sku]}`); a missing one renders as `?` rather than failing the alert."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Template:
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str


@dataclass(frozen=True)
class Rendered:
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str

    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"[:200]

    def text(self) -> str:
        return f"{self.body_zh}\n\n{self.body_en}"[:2000]


_PO = "采购单 {po_no}（供应商 {supplier_code}）"
TEMPLATES: dict[str, Template] = {
    "purchase_anomaly": Template(
        "采购异常：{anomaly_label_zh} {po_no}",
        _PO + "出现异常：{anomaly_label_zh}。{details}",
        "Purchase anomaly: {anomaly_type} on {po_no}",
        "Purchase order {po_no} (supplier {supplier_code}): {anomaly_type}. {details}",
    ),
    "po_overdue": Template(
        "采购单逾期未到货 {po_no}",
        _PO + "预计到货日 {expected_date}，已逾期 {days_past} 天仍未收齐。",
        "Purchase order {po_no} overdue",
        "Purchase order {po_no} (supplier {supplier_code}) was expected on {expected_date} and is "
        "{days_past} days late.",
    ),
    "approval_pending": Template(
        "待审批超时 {document_no}",
        "{document_no} 第 {level} 级审批（{approver_role}）已等待 {hours_pending} 小时。",
        "Approval pending: {document_no}",
        "{document_no} has waited {hours_pending} h at approval level {level} ({approver_role}).",
    ),
    "approval_requested": Template(
        "请审批 {document_no}",
        "{document_no} 等待第 {level}/{levels_total} 级审批，金额 {amount} {currency}。",
        "Approval requested: {document_no}",
        "{document_no} awaits approval level {level}/{levels_total}, amount {amount} {currency}.",
    ),
    "approval_escalated": Template(
        "审批已升级 {document_no}",
        "{document_no} 第 {level} 级审批超时，已由 {from_role} 升级至 {to_role}。",
        "Approval escalated: {document_no}",
        "{document_no} level {level} was escalated from {from_role} to {to_role}.",
    ),
    "order_rejected": Template(
        "销售订单被拒 {order_no}",
        "客户 {customer_code} 的订单 {order_no} 被拒绝，原因：{reason}。{detail}",
        "Sales order rejected: {order_no}",
        "Order {order_no} of customer {customer_code} was rejected: {reason}. {detail}",
    ),
    "order_backordered": Template(
        "订单缺货待补 {order_no}",
        "订单 {order_no}（客户 {customer_code}）缺货，已转为待补货。",
        "Order backordered: {order_no}",
        "Order {order_no} (customer {customer_code}) is backordered.",
    ),
    "order_confirmed": Template(
        "订单 {order_no} 已确认",
        "尊敬的 {customer_name}：您的订单 {order_no} 已确认，金额 {totals[gross]} {currency}。查看进度：{tracking_url}",
        "Your order {order_no} is confirmed",
        "Dear {customer_name}, your order {order_no} is confirmed: {totals[gross]} {currency}. "
        "Track it: {tracking_url}",
    ),
    "order_shipped": Template(
        "您的订单 {order_no} 已发货",
        "尊敬的 {customer_name}：您的订单 {order_no} 已由 {carrier} 发出，运单号 {tracking_no}。"
        "查看进度：{tracking_url}",
        "Your order {order_no} has shipped",
        "Dear {customer_name}, your order {order_no} has shipped with {carrier}, tracking number {tracking_no}. "
        "Track it: {tracking_url}",
    ),
    "low_stock": Template(
        "库存不足 {sku}",
        "{sku} 在仓库 {warehouse_code} 可用量 {available}，低于再订货点 {reorder_point}。",
        "Low stock: {sku}",
        "{sku} in warehouse {warehouse_code}: available {available}, below reorder point {reorder_point}.",
    ),
    "stocktake_variance": Template(
        "盘点差异 {stocktake_no}",
        "盘点 {stocktake_no}（仓库 {warehouse_code}）有 {line_count} 行差异超过 {threshold_pct}%。",
        "Stocktake variance: {stocktake_no}",
        "Stocktake {stocktake_no} (warehouse {warehouse_code}): {line_count} lines beyond {threshold_pct}%.",
    ),
    "bill_held": Template(
        "应付单挂起 {bill_no}",
        "供应商 {supplier_code} 的应付单 {bill_no}（采购单 {po_no}）三单匹配失败：{reason}。",
        "Bill held: {bill_no}",
        "Bill {bill_no} of supplier {supplier_code} (PO {po_no}) failed the three-way match: {reason}.",
    ),
    "invoice_overdue": Template(
        "发票逾期 {invoice_no}",
        "客户 {customer_code} 的发票 {invoice_no} 已逾期 {days_overdue} 天，未收 {outstanding} {currency}。",
        "Invoice overdue: {invoice_no}",
        "Invoice {invoice_no} of customer {customer_code} is {days_overdue} days overdue, "
        "{outstanding} {currency} outstanding.",
    ),
    "invoice_due_soon": Template(
        "发票即将到期 {invoice_no}",
        "尊敬的 {customer_name}：发票 {invoice_no} 将于 {due_date} 到期，金额 {amount} {currency}。",
        "Invoice due soon: {invoice_no}",
        "Dear {customer_name}, invoice {invoice_no} is due on {due_date}: {amount} {currency}.",
    ),
    "dunning": Template(
        "付款提醒 {invoice_no}",
        "尊敬的 {customer_name}：发票 {invoice_no}（到期日 {due_date}）尚欠 {outstanding} {currency}，请尽快付款。",
        "Payment reminder: {invoice_no}",
        "Dear {customer_name}, invoice {invoice_no} (due {due_date}) still has {outstanding} {currency} "
        "outstanding. Please pay at your earliest convenience.",
    ),
    "bill_due_soon": Template(
        "应付单即将到期 {bill_no}",
        "供应商 {supplier_code} 的应付单 {bill_no} 将于 {due_date} 到期，金额 {amount} {currency}。",
        "Bill due soon: {bill_no}",
        "Bill {bill_no} of supplier {supplier_code} is due on {due_date}: {amount} {currency}.",
    ),
    "case_escalated": Template(
        "异常单升级 {case_no}",
        "异常单 {case_no}（{case_type}，{subject_id}）超过处理时限，已升级至 {to_role}（第 {level} 级）。",
        "Exception case escalated: {case_no}",
        "Case {case_no} ({case_type}, {subject_id}) passed its SLA and was escalated to {to_role} (level {level}).",
    ),
    "generic": Template(
        "提醒 {rule_code}：{subject_id}",
        "规则 {rule_code} 对 {subject_type} {subject_id} 触发。",
        "Alert {rule_code}: {subject_id}",
        "Rule {rule_code} fired for {subject_type} {subject_id}.",
    ),
}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return "?"


class _Formatter(string.Formatter):
    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, AttributeError, TypeError):
            return "?", field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        return "-" if value is None else super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def _fill(pattern: str, context: Mapping[str, Any]) -> str:
    try:
        return _FORMATTER.vformat(pattern, (), _Missing(context))
    except (ValueError, IndexError):
        return pattern


def render(key: str, context: Mapping[str, Any]) -> Rendered:
    template = TEMPLATES.get(key, TEMPLATES["generic"])
    return Rendered(
        _fill(template.title_zh, context),
        _fill(template.body_zh, context),
        _fill(template.title_en, context),
        _fill(template.body_en, context),
    )

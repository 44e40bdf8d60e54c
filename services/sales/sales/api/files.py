"""Sales' file endpoints: the import router (customers) and the export columns of the order list."""

from __future__ import annotations

from sales.db import import_jobs
from sales.handlers.imports import KINDS
from servicekit.tabular import columns, import_router

imports = import_router(KINDS, import_jobs)

ORDERS = columns(
    ("order_no", "订单号", "Order no"),
    ("status", "状态", "Status"),
    ("customer_code", "客户编码", "Customer"),
    ("channel", "渠道", "Channel"),
    ("external_ref", "外部单号", "External ref"),
    ("gross", "含税金额", "Gross"),
    ("currency", "币种", "Currency"),
    ("priority", "优先级", "Priority"),
    ("requested_date", "要求交期", "Requested date"),
    ("placed_at", "下单时间", "Placed (UTC)"),
    ("saga_step", "流程步骤", "Saga step"),
    ("saga_status", "流程状态", "Saga status"),
    ("late", "逾期或卡住", "Late or stuck"),
)

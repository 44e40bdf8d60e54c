"""The sales order approval rules (shared engine `approvals`, document type `sales_order`): an amount
threshold and/or a maximum discount puts an order in `pending_approval` for the listed roles."""

from __future__ import annotations

from approvals.router import rules_router
from sales.db import approval, kit

router = rules_router(
    approval, kit, document_types=("sales_order",), readers=("sales", "sales_manager"), manager="sales_manager"
)

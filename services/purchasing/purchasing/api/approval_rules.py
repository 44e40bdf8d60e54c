"""The purchasing approval rules (shared engine `approvals`, document types `requisition` and `purchase_order`)."""

from __future__ import annotations

from approvals.router import rules_router
from purchasing.db import approval, kit
from servicekit.auth import require

router = rules_router(
    approval,
    kit,
    document_types=("requisition", "purchase_order"),
    readers=("purchaser", "purchasing_manager"),
    manager="purchasing_manager",
)
# Who may try to decide: any staff role a rule can name; the engine then checks the level's role (403).
DECIDERS = require("purchaser", "purchasing_manager", "finance", "finance_manager", "sales_manager", "warehouse")

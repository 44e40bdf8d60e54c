"""The approval rules a new company starts with (editable through each service's rule API): without them every
document, whatever its amount, would be approved on submit."""

from __future__ import annotations

from decimal import Decimal

from approvals.domain import ApprovalRule, DocumentType

TEN_THOUSAND = Decimal("10000.00")
HUNDRED_THOUSAND = Decimal("100000.00")
SALES_ORDER_AMOUNT = Decimal("50000.00")
SALES_ORDER_DISCOUNT = Decimal("0.2000")


def _purchasing(document_type: DocumentType) -> list[ApprovalRule]:
    return [
        ApprovalRule(
            document_type,
            ("purchasing_manager",),
            min_amount=TEN_THOUSAND,
            position=1,
            name="above 10,000: purchasing manager",
        ),
        ApprovalRule(
            document_type,
            ("finance_manager",),
            min_amount=HUNDRED_THOUSAND,
            position=2,
            name="above 100,000: also finance manager",
        ),
    ]


DEFAULT_RULES: dict[DocumentType, list[ApprovalRule]] = {
    "requisition": _purchasing("requisition"),
    "purchase_order": _purchasing("purchase_order"),
    "sales_order": [
        ApprovalRule(
            "sales_order",
            ("sales_manager",),
            min_amount=SALES_ORDER_AMOUNT,
            position=1,
            name="above 50,000: sales manager",
        ),
        ApprovalRule(
            "sales_order",
            ("sales_manager",),
            max_discount=SALES_ORDER_DISCOUNT,
            position=2,
            name="discount above 20 %: sales manager",
        ),
    ],
}

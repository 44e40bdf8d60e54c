"""Messages produced by the purchasing service: suppliers, requisitions, purchase orders, approvals.

Requisition events are keyed by `pr_no`, purchase order events by `po_no`, approval events by `document_no`
(the PR or PO they decide), supplier master data by `supplier_code`.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from contracts.common import (
    DEFAULT_CURRENCY,
    Address,
    Amounts,
    BillNo,
    Code,
    ContractModel,
    CurrencyCode,
    DocumentRef,
    Email,
    GoodsReceiptNo,
    LineNo,
    Name,
    NonNegativeMoney,
    NonNegativeQuantity,
    PaymentTermsDays,
    Percent,
    PositiveQuantity,
    PurchaseOrderNo,
    PurchaseOrderStatus,
    Quantity,
    Rate,
    RequisitionNo,
    Role,
    Severity,
    ShortText,
    Text,
    UserId,
    unique_line_nos,
)
from contracts.envelope import Message

DEFAULT_TOLERANCE_PCT = Decimal("5")
ApprovalDocumentType = Literal["requisition", "purchase_order"]
ApprovalDocumentNo = Annotated[
    str,
    Field(pattern=r"^(PR|PO)-\d{4}-\d{1,12}$", examples=["PO-2026-000001"], description="the PR or PO number"),
]
AnomalyType = Literal[
    "overdue", "short_shipment", "short_receipt", "over_receipt", "price_mismatch", "quality_rejection"
]


class SupplierContact(ContractModel):
    name: Name
    role: ShortText | None = Field(default=None, description="sales, logistics, accounts …")
    phone: ShortText | None = None
    email: Email | None = None


class SupplierUpserted(Message):
    """A supplier was created or changed. Master data: the latest message per supplier wins."""

    message_type: ClassVar[str] = "SupplierUpserted"
    key_field: ClassVar[str] = "supplier_code"

    supplier_code: Code
    name: Name
    contacts: list[SupplierContact] = Field(default_factory=list)
    payment_terms_days: PaymentTermsDays
    currency: CurrencyCode = DEFAULT_CURRENCY
    score: Percent | None = Field(default=None, description="supplier scorecard 0..100")
    active: bool = True
    tax_id: ShortText | None = None
    address: Address | None = None
    updated_at: AwareDatetime


class RequisitionLine(ContractModel):
    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    needed_by: date
    note: Text | None = None


class RequisitionSubmitted(Message):
    """A requisition (采购申请) was submitted for approval; `source` says who drafted it."""

    message_type: ClassVar[str] = "RequisitionSubmitted"
    key_field: ClassVar[str] = "pr_no"

    pr_no: RequisitionNo
    requester: UserId
    department: ShortText
    source: Literal["manual", "low_stock"] = "manual"
    lines: Annotated[list[RequisitionLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    submitted_at: AwareDatetime


class RequisitionApproved(Message):
    """The last approval level approved the requisition; it may now be converted into purchase orders."""

    message_type: ClassVar[str] = "RequisitionApproved"
    key_field: ClassVar[str] = "pr_no"

    pr_no: RequisitionNo
    approved_by: UserId
    comment: Text | None = None
    approved_at: AwareDatetime


class RequisitionRejected(Message):
    """An approval level rejected the requisition; the approval ends."""

    message_type: ClassVar[str] = "RequisitionRejected"
    key_field: ClassVar[str] = "pr_no"

    pr_no: RequisitionNo
    level: Annotated[int, Field(ge=1)]
    rejected_by: UserId
    comment: Text
    rejected_at: AwareDatetime


class RequisitionOrdered(Message):
    """The approved requisition was converted into purchase orders (one per supplier)."""

    message_type: ClassVar[str] = "RequisitionOrdered"
    key_field: ClassVar[str] = "pr_no"

    pr_no: RequisitionNo
    po_nos: Annotated[list[PurchaseOrderNo], Field(min_length=1)]
    ordered_at: AwareDatetime


class RequisitionCancelled(Message):
    """The requisition was withdrawn before it was ordered."""

    message_type: ClassVar[str] = "RequisitionCancelled"
    key_field: ClassVar[str] = "pr_no"

    pr_no: RequisitionNo
    reason: Text
    cancelled_by: UserId
    cancelled_at: AwareDatetime


class PurchaseOrderApproved(Message):
    """The purchase order passed its approvals (or needed none)."""

    message_type: ClassVar[str] = "PurchaseOrderApproved"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    pr_nos: list[RequisitionNo] = Field(default_factory=list)
    amount: NonNegativeMoney = Field(description="gross total")
    currency: CurrencyCode = DEFAULT_CURRENCY
    approved_by: UserId | None = Field(default=None, description="null when no approval rule applied")
    approved_at: AwareDatetime


class PurchaseOrderLine(ContractModel):
    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    unit_price: NonNegativeMoney
    tax_rate: Rate = Decimal("0")
    expected_date: date | None = Field(default=None, description="when it differs from the order's")


class PurchaseOrderSent(Message):
    """The purchase order went to the supplier (已下单). Inventory expects it; finance matches bills."""

    message_type: ClassVar[str] = "PurchaseOrderSent"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    pr_nos: list[RequisitionNo] = Field(default_factory=list)
    warehouse_code: Code = Field(description="deliver to this warehouse")
    lines: Annotated[list[PurchaseOrderLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    expected_date: date
    payment_terms_days: PaymentTermsDays
    tolerance_pct: Percent = Field(default=DEFAULT_TOLERANCE_PCT, description="receipt quantity tolerance")
    price_tolerance_pct: Percent = Field(
        default=Decimal("0"),
        description="how far a supplier invoice's unit price may differ from the PO price and still match (0: any "
        "difference holds the bill); since contract 1.x, absent = 0",
    )
    sent_at: AwareDatetime


class AdvanceShipLine(ContractModel):
    line_no: LineNo
    sku: Code
    qty_shipped: PositiveQuantity


class PurchaseOrderShipped(Message):
    """The supplier's advance ship notice (已发货): what is on its way."""

    message_type: ClassVar[str] = "PurchaseOrderShipped"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    asn_ref: DocumentRef | None = None
    lines: Annotated[list[AdvanceShipLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    carrier: ShortText | None = None
    tracking_no: ShortText | None = None
    expected_arrival: date | None = None
    shipped_at: AwareDatetime


class PurchaseOrderStatusChanged(Message):
    """The purchase order moved from one state to another (the PO tracking timeline)."""

    message_type: ClassVar[str] = "PurchaseOrderStatusChanged"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    from_status: PurchaseOrderStatus | None = Field(description="null for the first state")
    to_status: PurchaseOrderStatus
    reason: Text | None = None
    at: AwareDatetime


class PurchaseOrderLineProgress(ContractModel):
    line_no: LineNo
    sku: Code
    qty_ordered: PositiveQuantity
    qty_shipped: NonNegativeQuantity
    qty_received: NonNegativeQuantity
    qty_rejected: NonNegativeQuantity


class PurchaseOrderClosed(Message):
    """The purchase order is closed; `reason` is set when it was closed short."""

    message_type: ClassVar[str] = "PurchaseOrderClosed"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    lines: Annotated[list[PurchaseOrderLineProgress], Field(min_length=1)]
    reason: Text | None = None
    closed_at: AwareDatetime


class PurchaseOrderCancelled(Message):
    """The purchase order was cancelled (only possible before any receipt)."""

    message_type: ClassVar[str] = "PurchaseOrderCancelled"
    key_field: ClassVar[str] = "po_no"

    po_no: PurchaseOrderNo
    supplier_code: Code
    reason: Text
    cancelled_by: UserId
    cancelled_at: AwareDatetime


class AnomalyLine(ContractModel):
    line_no: LineNo | None = None
    sku: Code
    expected: Quantity | None = Field(default=None, description="quantity or unit price expected")
    actual: Quantity | None = None


class PurchaseAnomalyRaised(Message):
    """A purchase order went wrong (异常预警): shown red, alerted, serious ones open an exception case."""

    message_type: ClassVar[str] = "PurchaseAnomalyRaised"
    key_field: ClassVar[str] = "po_no"

    anomaly_id: uuid.UUID
    po_no: PurchaseOrderNo
    supplier_code: Code
    anomaly_type: AnomalyType
    severity: Severity
    details: Text
    grn_no: GoodsReceiptNo | None = None
    bill_no: BillNo | None = None
    lines: list[AnomalyLine] = Field(default_factory=list)
    detected_at: AwareDatetime


class ApprovalRequested(Message):
    """A purchasing document waits at one approval level for its approver role."""

    message_type: ClassVar[str] = "ApprovalRequested"
    key_field: ClassVar[str] = "document_no"

    document_type: ApprovalDocumentType
    document_no: ApprovalDocumentNo
    level: Annotated[int, Field(ge=1)]
    levels_total: Annotated[int, Field(ge=1)]
    approver_role: Role
    amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    requested_at: AwareDatetime
    due_at: AwareDatetime | None = Field(default=None, description="escalates when still pending then")


class ApprovalDecided(Message):
    """One approval level decided. The first rejection ends the approval (`final` is then true)."""

    message_type: ClassVar[str] = "ApprovalDecided"
    key_field: ClassVar[str] = "document_no"

    document_type: ApprovalDocumentType
    document_no: ApprovalDocumentNo
    level: Annotated[int, Field(ge=1)]
    approver_role: Role
    decision: Literal["approved", "rejected"]
    decided_by: UserId
    comment: Text | None = None
    final: bool = Field(description="true when no further level follows (last approval or a rejection)")
    decided_at: AwareDatetime


class ApprovalEscalated(Message):
    """A pending approval passed its due time and was escalated to another role."""

    message_type: ClassVar[str] = "ApprovalEscalated"
    key_field: ClassVar[str] = "document_no"

    document_type: ApprovalDocumentType
    document_no: ApprovalDocumentNo
    level: Annotated[int, Field(ge=1)]
    from_role: Role
    to_role: Role
    pending_since: AwareDatetime
    escalated_at: AwareDatetime

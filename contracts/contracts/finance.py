"""Messages produced by the finance service: credit replies, receivables, customer payments, payables.

Receivable events belong to an order and are keyed by `order_no`; a customer payment (which may settle
invoices of several orders) by `customer_code`; payables (bills, supplier payments) by `supplier_code`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from contracts.common import (
    DEFAULT_CURRENCY,
    Amounts,
    BillNo,
    Code,
    ContractModel,
    CreditNoteNo,
    CurrencyCode,
    DeliveryOrderNo,
    DocumentRef,
    GoodsReceiptNo,
    InvoiceNo,
    LineNo,
    Money,
    NonNegativeMoney,
    NonNegativeQuantity,
    OrderNo,
    PaymentMethod,
    PaymentNo,
    Percent,
    PositiveMoney,
    PositiveQuantity,
    PurchaseOrderNo,
    Rate,
    ReturnNo,
    Text,
    UserId,
    unique_line_nos,
)
from contracts.envelope import Message

CreditRefusalReason = Literal["credit_limit", "customer_inactive", "unknown_customer", "overdue_invoices"]
InvoiceStatus = Literal["open", "partially_paid", "paid", "void"]


class CreditApproved(Message):
    """Reply to CheckCredit: `amount` is now held against the customer's limit."""

    message_type: ClassVar[str] = "CreditApproved"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Annotated[int, Field(ge=1)] = 1
    customer_code: Code
    amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    credit_limit: NonNegativeMoney
    exposure: Money = Field(description="exposure including this order")
    approved_at: AwareDatetime


class CreditRefused(Message):
    """Reply to CheckCredit: nothing is held; sales releases the reservation and rejects the order."""

    message_type: ClassVar[str] = "CreditRefused"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Annotated[int, Field(ge=1)] = 1
    customer_code: Code
    reason: CreditRefusalReason
    credit_limit: NonNegativeMoney
    exposure: Money = Field(description="open receivables + confirmed, not yet invoiced orders, without this one")
    requested: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    refused_at: AwareDatetime


class SettlementVoided(Message):
    """Reply to VoidOrderSettlement: the order's credit hold is gone (`released_amount` 0 if none)."""

    message_type: ClassVar[str] = "SettlementVoided"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    released_amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    reason: Text
    voided_at: AwareDatetime


class InvoiceLine(ContractModel):
    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    unit_price: NonNegativeMoney
    discount: Rate
    tax_rate: Rate
    net: Money
    tax: Money


class InvoiceIssued(Message):
    """A receivable invoice for one shipment: shipped quantities at the order's prices."""

    message_type: ClassVar[str] = "InvoiceIssued"
    key_field: ClassVar[str] = "order_no"

    invoice_no: InvoiceNo
    order_no: OrderNo
    do_no: DeliveryOrderNo
    customer_code: Code
    lines: Annotated[list[InvoiceLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    issue_date: date
    due_date: date
    issued_at: AwareDatetime


class InvoiceVoided(Message):
    """An invoice was voided (a credit note reverses it when it was already booked)."""

    message_type: ClassVar[str] = "InvoiceVoided"
    key_field: ClassVar[str] = "order_no"

    invoice_no: InvoiceNo
    order_no: OrderNo
    customer_code: Code
    amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    reason: Text
    credit_note_no: DocumentRef | None = None
    voided_at: AwareDatetime


class InvoiceOverdue(Message):
    """An invoice passed its due date with money outstanding (emitted once, when it becomes overdue)."""

    message_type: ClassVar[str] = "InvoiceOverdue"
    key_field: ClassVar[str] = "order_no"

    invoice_no: InvoiceNo
    order_no: OrderNo
    customer_code: Code
    due_date: date
    days_overdue: Annotated[int, Field(ge=1)]
    outstanding: PositiveMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    detected_at: AwareDatetime


class DunningReminderIssued(Message):
    """A dunning step (催收) is due for an invoice; the notifier delivers it to the customer and finance."""

    message_type: ClassVar[str] = "DunningReminderIssued"
    key_field: ClassVar[str] = "order_no"

    invoice_no: InvoiceNo
    order_no: OrderNo
    customer_code: Code
    level: Annotated[int, Field(ge=1, description="escalating dunning level")]
    days_from_due: int = Field(description="negative before the due date, positive after")
    due_date: date
    outstanding: PositiveMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    issued_at: AwareDatetime


class PaymentAllocated(Message):
    """Part of a customer payment was applied to one invoice of the order."""

    message_type: ClassVar[str] = "PaymentAllocated"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    payment_no: PaymentNo
    invoice_no: InvoiceNo
    customer_code: Code
    amount: PositiveMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    invoice_outstanding: NonNegativeMoney = Field(description="what the invoice still owes after this")
    invoice_status: InvoiceStatus
    allocated_at: AwareDatetime


class OrderSettled(Message):
    """Every invoice of the fully shipped order is paid."""

    message_type: ClassVar[str] = "OrderSettled"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    invoiced: NonNegativeMoney
    paid: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    settled_at: AwareDatetime


class PaymentAllocation(ContractModel):
    invoice_no: InvoiceNo
    order_no: OrderNo
    amount: PositiveMoney


class CreditNoteIssued(Message):
    """A credit note (CN-) reversed all or part of an invoice (a void of a paid invoice or of its order, a return,
    a price adjustment): revenue and tax reversed, the customer's receivable reduced by `allocations` (this
    invoice's open balance first), the rest kept as customer credit."""

    message_type: ClassVar[str] = "CreditNoteIssued"
    key_field: ClassVar[str] = "order_no"

    credit_note_no: CreditNoteNo
    invoice_no: InvoiceNo
    order_no: OrderNo
    customer_code: Code
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    allocations: list[PaymentAllocation] = Field(default_factory=list)
    customer_credit: NonNegativeMoney = Field(description="what was not allocated: kept as the customer's credit")
    reason: Text
    return_no: ReturnNo | None = None
    issued_at: AwareDatetime


class PaymentReceived(Message):
    """A customer payment was recorded and allocated (oldest due first unless told otherwise)."""

    message_type: ClassVar[str] = "PaymentReceived"
    key_field: ClassVar[str] = "customer_code"

    payment_no: PaymentNo
    customer_code: Code
    amount: PositiveMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    method: PaymentMethod
    reference: DocumentRef | None = Field(default=None, description="bank reference")
    received_on: date
    allocations: list[PaymentAllocation] = Field(default_factory=list)
    unallocated: NonNegativeMoney = Field(description="left as customer credit")
    received_at: AwareDatetime

    @model_validator(mode="after")
    def _allocations_add_up(self) -> PaymentReceived:
        if sum((a.amount for a in self.allocations), self.unallocated) != self.amount:
            raise ValueError("allocations + unallocated must equal amount")
        return self


class BillLine(ContractModel):
    line_no: LineNo
    po_line_no: LineNo | None = None
    sku: Code
    qty: PositiveQuantity
    unit_price: NonNegativeMoney
    tax_rate: Rate
    net: Money


class BillCreated(Message):
    """A payable (应付) was created: per goods receipt at PO price, or from a supplier invoice."""

    message_type: ClassVar[str] = "BillCreated"
    key_field: ClassVar[str] = "supplier_code"

    bill_no: BillNo
    supplier_code: Code
    po_no: PurchaseOrderNo | None = None
    grn_no: GoodsReceiptNo | None = None
    supplier_invoice_ref: DocumentRef | None = None
    lines: Annotated[list[BillLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    status: Literal["open", "held"] = Field(description="held when the three-way match failed (see BillHeld)")
    bill_date: date
    due_date: date
    created_at: AwareDatetime


class BillMismatchLine(ContractModel):
    line_no: LineNo
    sku: Code
    po_unit_price: NonNegativeMoney
    invoice_unit_price: NonNegativeMoney
    qty_received: NonNegativeQuantity
    qty_invoiced: NonNegativeQuantity


class BillHeld(Message):
    """Three-way match (PO ↔ receipt ↔ invoice) failed beyond tolerance: the bill is blocked from payment."""

    message_type: ClassVar[str] = "BillHeld"
    key_field: ClassVar[str] = "supplier_code"

    bill_no: BillNo
    supplier_code: Code
    po_no: PurchaseOrderNo | None = None
    grn_no: GoodsReceiptNo | None = None
    reason: Literal["price_mismatch", "quantity_mismatch"]
    tolerance_pct: Percent
    lines: Annotated[list[BillMismatchLine], Field(min_length=1)]
    held_at: AwareDatetime


class BillReleased(Message):
    """A held bill was approved for payment after review."""

    message_type: ClassVar[str] = "BillReleased"
    key_field: ClassVar[str] = "supplier_code"

    bill_no: BillNo
    supplier_code: Code
    po_no: PurchaseOrderNo | None = None
    released_by: UserId
    comment: Text | None = None
    released_at: AwareDatetime


class BillAllocation(ContractModel):
    bill_no: BillNo
    po_no: PurchaseOrderNo | None = None
    amount: PositiveMoney


class SupplierPaymentMade(Message):
    """A payment to a supplier, allocated to its bills."""

    message_type: ClassVar[str] = "SupplierPaymentMade"
    key_field: ClassVar[str] = "supplier_code"

    payment_no: PaymentNo
    supplier_code: Code
    amount: PositiveMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    method: PaymentMethod
    reference: DocumentRef | None = None
    paid_on: date
    allocations: Annotated[list[BillAllocation], Field(min_length=1)]
    paid_at: AwareDatetime

    @model_validator(mode="after")
    def _allocations_add_up(self) -> SupplierPaymentMade:
        if sum(a.amount for a in self.allocations) != self.amount:
            raise ValueError("allocations must add up to amount")
        return self

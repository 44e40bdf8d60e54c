"""Messages produced by the sales service: customers, sales order events, and the saga's commands.

The order saga is orchestrated by sales. Every message of one order is keyed by its `order_no`, so each topic
delivers an order's messages in order. Commands are idempotent by design: they state the wanted result (the
total to reserve, the amount to hold), never an increment, so a retried command cannot act twice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from contracts.common import (
    DEFAULT_CURRENCY,
    DEFAULT_PRIORITY,
    Address,
    Amounts,
    Channel,
    Code,
    ContractModel,
    CurrencyCode,
    Email,
    LineNo,
    Name,
    NonNegativeMoney,
    NonNegativeQuantity,
    OrderLines,
    OrderNo,
    PaymentTermsDays,
    PositiveQuantity,
    Priority,
    ReturnNo,
    Role,
    SalesOrderStatus,
    ShortText,
    StockLines,
    Text,
    UserId,
    unique_line_nos,
)
from contracts.envelope import Message

ExternalRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        description="the channel's own reference; (channel, external_ref) identifies one order",
    ),
]
Revision = Annotated[int, Field(ge=1, description="order revision: 1 as placed, +1 per amendment")]
OrderRejectionReason = Literal["out_of_stock", "credit_limit", "approval_rejected", "timeout", "invalid_order"]


class CustomerUpserted(Message):
    """A customer was created or changed. Master data: the latest message per customer wins."""

    message_type: ClassVar[str] = "CustomerUpserted"
    key_field: ClassVar[str] = "customer_code"

    customer_code: Code
    name: Name
    contact: ShortText | None = Field(default=None, description="contact person")
    phone: ShortText | None = None
    email: Email | None = None
    credit_limit: NonNegativeMoney
    payment_terms_days: PaymentTermsDays
    currency: CurrencyCode = DEFAULT_CURRENCY
    active: bool = True
    tax_id: ShortText | None = None
    billing_address: Address | None = None
    updated_at: AwareDatetime


class OrderPlaced(Message):
    """A sales order was accepted from a channel; the saga starts."""

    message_type: ClassVar[str] = "OrderPlaced"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    channel: Channel
    external_ref: ExternalRef | None = None
    lines: OrderLines
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    priority: Priority = DEFAULT_PRIORITY
    allow_backorder: bool = False
    requested_date: date | None = None
    warehouse_code: Code | None = Field(default=None, description="ship from this warehouse; any if absent")
    ship_to: Address | None = None
    note: Text | None = None
    placed_by: UserId | None = Field(default=None, description="staff user; absent for channel/API orders")
    placed_at: AwareDatetime
    tracking_token: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="the customer's tracking token (a secret): the notifier sends the customer the tracking link "
        "(order number + token) in the confirmation and shipment messages",
    )


class OrderApprovalRequested(Message):
    """An approval rule applies to the order; one level waits for its approver role."""

    message_type: ClassVar[str] = "OrderApprovalRequested"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY
    level: Annotated[int, Field(ge=1)]
    levels_total: Annotated[int, Field(ge=1)]
    approver_role: Role
    requested_at: AwareDatetime
    due_at: AwareDatetime | None = Field(default=None, description="escalates when still pending then")


class OrderApprovalEscalated(Message):
    """A level pending past its due time (and reminded once) was escalated to the next role of the escalation
    chain; that role decides it now. Past the end of the chain the order is rejected (`timeout`)."""

    message_type: ClassVar[str] = "OrderApprovalEscalated"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    level: Annotated[int, Field(ge=1)]
    from_role: Role
    to_role: Role
    pending_since: AwareDatetime
    due_at: AwareDatetime = Field(description="escalates again (or the order is rejected) when still pending then")
    escalated_at: AwareDatetime


class OrderApprovalDecided(Message):
    """One approval level decided. The first rejection ends the approval (`final` is then true)."""

    message_type: ClassVar[str] = "OrderApprovalDecided"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    level: Annotated[int, Field(ge=1)]
    approver_role: Role
    decision: Literal["approved", "rejected"]
    decided_by: UserId
    comment: Text | None = None
    final: bool = Field(description="true when no further level follows (last approval or a rejection)")
    decided_at: AwareDatetime


class OrderStatusChanged(Message):
    """The order moved from one state to another; the customer-visible progress is built from these."""

    message_type: ClassVar[str] = "OrderStatusChanged"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    from_status: SalesOrderStatus | None = Field(description="null for the first state")
    to_status: SalesOrderStatus
    reason: Text | None = None
    at: AwareDatetime


class OrderConfirmed(Message):
    """Stock is reserved and credit approved. Inventory creates outbound orders; finance books it."""

    message_type: ClassVar[str] = "OrderConfirmed"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Revision = 1
    customer_code: Code
    channel: Channel
    external_ref: ExternalRef | None = None
    lines: OrderLines
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    payment_terms_days: PaymentTermsDays
    priority: Priority = DEFAULT_PRIORITY
    requested_date: date | None = None
    warehouse_code: Code | None = None
    ship_to: Address | None = None
    confirmed_at: AwareDatetime


class OrderRejected(Message):
    """The saga ended without an order; any reservation and credit hold were released first."""

    message_type: ClassVar[str] = "OrderRejected"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    reason: OrderRejectionReason
    detail: Text | None = None
    rejected_at: AwareDatetime


class OrderCancelled(Message):
    """The order was cancelled before shipment; sales also sends ReleaseStock and VoidOrderSettlement."""

    message_type: ClassVar[str] = "OrderCancelled"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    previous_status: SalesOrderStatus
    reason: Text
    cancelled_by: UserId | None = None
    cancelled_at: AwareDatetime


class OrderVoided(Message):
    """A shipped order was voided (数据录错): inventory cancels what has not left and releases what it holds;
    finance credits what it invoiced (a credit note per invoice, `InvoiceVoided` naming it). When a new order
    replaces it, `replacement_order_no` names it (the replacement names this one in its `replaces_order_no`)."""

    message_type: ClassVar[str] = "OrderVoided"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    status: SalesOrderStatus = Field(description="the order's status when voided (it keeps it)")
    reason: Text
    replacement_order_no: OrderNo | None = None
    voided_by: UserId | None = None
    voided_at: AwareDatetime


class ReturnLine(ContractModel):
    """What the customer sends back of one order line."""

    line_no: LineNo
    sku: Code
    qty: PositiveQuantity


class ReturnAuthorized(Message):
    """A return (退货, RMA-) of shipped goods was authorized, per order line and quantity: inventory expects the
    goods back (and inspects them), finance credits them once received (`ReturnReceived`)."""

    message_type: ClassVar[str] = "ReturnAuthorized"
    key_field: ClassVar[str] = "order_no"

    return_no: ReturnNo
    order_no: OrderNo
    customer_code: Code
    warehouse_code: Code | None = Field(default=None, description="where the goods are expected; the shipping one")
    lines: Annotated[list[ReturnLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    reason: Text
    authorized_by: UserId | None = None
    authorized_at: AwareDatetime


class OrderAmended(Message):
    """The order was edited before picking. `lines` and `totals` are the complete new state, not a diff."""

    message_type: ClassVar[str] = "OrderAmended"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Annotated[int, Field(ge=2)]
    customer_code: Code
    lines: OrderLines
    currency: CurrencyCode = DEFAULT_CURRENCY
    totals: Amounts
    requested_date: date | None = None
    ship_to: Address | None = None
    reason: Text
    amended_by: UserId
    amended_at: AwareDatetime


class ReserveStock(Message):
    """Command to inventory: hold stock for the order.

    Quantities are the order's total wanted per line; a repeat (retry, backorder wake-up) tops the reservation
    up to them and never reserves twice. Without `allow_partial` it is all or nothing.
    """

    message_type: ClassVar[str] = "ReserveStock"
    kind: ClassVar[Literal["event", "command"]] = "command"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    lines: StockLines
    allow_partial: bool = False
    backorder: bool = Field(
        default=False,
        description="when stock is short, inventory queues the order (after replying StockReservationFailed) "
        "and reserves it when stock arrives, serving queued orders by priority, then age",
    )
    priority: Priority = DEFAULT_PRIORITY
    placed_at: AwareDatetime = Field(description="order age: backorders are served by priority, then age")
    warehouse_code: Code | None = None
    requested_date: date | None = None


class ReleaseStock(Message):
    """Command to inventory: release the order's reservation, whole or for some lines. Idempotent."""

    message_type: ClassVar[str] = "ReleaseStock"
    kind: ClassVar[Literal["event", "command"]] = "command"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    line_nos: Annotated[list[LineNo], Field(min_length=1)] | None = Field(
        default=None, description="lines to release entirely; null releases the whole order"
    )
    reason: Text


class ReservationTarget(ContractModel):
    """The quantity a line should have reserved after an amendment; 0 removes the line."""

    line_no: LineNo
    sku: Code
    qty: NonNegativeQuantity


class AdjustReservation(Message):
    """Command to inventory: bring the reservation to the amended quantities (absolute, so retries are safe).

    Lines not listed keep their reservation. A command with a `revision` lower than one already applied is
    ignored.
    """

    message_type: ClassVar[str] = "AdjustReservation"
    kind: ClassVar[Literal["event", "command"]] = "command"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Revision
    lines: Annotated[list[ReservationTarget], Field(min_length=1), AfterValidator(unique_line_nos)]
    allow_partial: bool = False
    reason: Text | None = None


class CheckCredit(Message):
    """Command to finance: check the customer's credit for the order and hold `amount` against it.

    `amount` is the order's full gross amount; after an amendment the command is sent again with the new
    amount, which replaces the previous hold.
    """

    message_type: ClassVar[str] = "CheckCredit"
    kind: ClassVar[Literal["event", "command"]] = "command"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Revision = 1
    customer_code: Code
    amount: NonNegativeMoney
    currency: CurrencyCode = DEFAULT_CURRENCY


class VoidOrderSettlement(Message):
    """Command to finance: drop the order's credit hold / settlement set-up (compensation). Idempotent."""

    message_type: ClassVar[str] = "VoidOrderSettlement"
    kind: ClassVar[Literal["event", "command"]] = "command"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    customer_code: Code
    reason: Text

"""Request and response models of the order API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from approvals.schemas import ApprovalRead
from contracts.common import (
    DEFAULT_CURRENCY,
    Address,
    Channel,
    Code,
    CurrencyCode,
    LineNo,
    NonNegativeMoney,
    PositiveQuantity,
    Priority,
    Rate,
    Text,
)
from contracts.sales import ExternalRef
from servicekit.inputs import OptionalLongText


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo | None = Field(default=None, description="position in the list when absent")
    sku: Code
    qty: PositiveQuantity
    unit_price: NonNegativeMoney
    discount: Rate = Decimal("0")
    tax_rate: Rate = Decimal("0")


Lines = Annotated[list[LineIn], Field(min_length=1, max_length=500)]


def _unique_line_nos(lines: list[LineIn]) -> None:
    numbers = [x.line_no or i for i, x in enumerate(lines, start=1)]
    if len(set(numbers)) != len(numbers):
        raise ValueError("line_no values must be unique")


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_code: Code
    channel: Channel
    external_ref: ExternalRef | None = None
    lines: Lines
    priority: Priority = 5
    allow_backorder: bool = False
    requested_date: date | None = None
    warehouse_code: Code | None = None
    ship_to: Address | None = None
    note: OptionalLongText = None
    currency: CurrencyCode = DEFAULT_CURRENCY

    @model_validator(mode="after")
    def _lines_unique(self) -> OrderCreate:
        _unique_line_nos(self.lines)
        return self


class QuoteRequest(BaseModel):
    """Lines to price (the order form's totals, computed by the rules that will price the order)."""

    model_config = ConfigDict(extra="forbid")

    lines: Lines
    currency: CurrencyCode = DEFAULT_CURRENCY

    @model_validator(mode="after")
    def _lines_unique(self) -> QuoteRequest:
        _unique_line_nos(self.lines)
        return self


class QuotedLine(BaseModel):
    line_no: int
    sku: str
    net: Decimal
    tax: Decimal


class QuoteRead(BaseModel):
    currency: str
    lines: list[QuotedLine]
    totals: TotalsRead


class OrderAmend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: Lines
    reason: Text

    @model_validator(mode="after")
    def _lines_unique(self) -> OrderAmend:
        _unique_line_nos(self.lines)
        return self


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class VoidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
    replacement_order_no: str | None = Field(
        default=None, max_length=32, description="the customer's order that replaces this one (linked both ways)"
    )


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: OptionalLongText = None


class LineRead(BaseModel):
    line_no: int
    sku: str
    qty: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    reserved_qty: Decimal
    shipped_qty: Decimal


class TotalsRead(BaseModel):
    net: Decimal
    tax: Decimal
    gross: Decimal


class OrderRead(BaseModel):
    order_no: str
    status: str
    rejection_reason: str | None
    status_reason: str | None
    customer_code: str
    channel: str
    external_ref: str | None
    revision: int
    currency: str
    totals: TotalsRead
    priority: int
    allow_backorder: bool
    requested_date: date | None
    warehouse_code: str | None
    tracking_token: str
    placed_by: str | None
    placed_at: datetime
    updated_at: datetime
    void_reason: str | None = None
    voided_at: datetime | None = None
    replaced_by_order_no: str | None = None
    replaces_order_no: str | None = None
    lines: list[LineRead]


class SagaRead(BaseModel):
    step: str
    status: str
    revision: int
    deadline_at: datetime | None
    attempts: int
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    awaiting_release: bool
    awaiting_void: bool
    steps: list[dict[str, Any]]


class HistoryRead(BaseModel):
    from_status: str | None
    to_status: str
    reason: str | None
    actor: str | None
    at: datetime


class ShipmentRead(BaseModel):
    do_no: str
    warehouse_code: str | None
    created_at: datetime | None
    picked_at: datetime | None = None
    shipped_at: datetime | None
    carrier: str | None
    tracking_no: str | None
    delivered_at: datetime | None


class InvoiceRead(BaseModel):
    invoice_no: str
    do_no: str
    gross: Decimal
    outstanding: Decimal
    status: str


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    qty: PositiveQuantity


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=500)]


class ReturnLineRead(BaseModel):
    line_no: int
    sku: str
    qty: Decimal
    restocked_qty: Decimal
    scrapped_qty: Decimal


class ReturnRead(BaseModel):
    return_no: str
    order_no: str
    status: str = Field(description="authorized (goods expected back), then received (inspected by the warehouse)")
    reason: str
    warehouse_code: str | None
    authorized_by: str | None
    authorized_at: datetime
    received_at: datetime | None
    credit_note_nos: list[str] = Field(description="finance's credit notes for it (CN-)")
    lines: list[ReturnLineRead]


class OrderDetail(OrderRead):
    progress: list[TrackingStep] = []
    saga: SagaRead | None
    history: list[HistoryRead]
    shipments: list[ShipmentRead]
    invoices: list[InvoiceRead]
    returns: list[ReturnRead] = []
    approval: ApprovalRead | None = Field(default=None, description="the approval chain, when a rule applied")


class TrackingStep(BaseModel):
    key: str
    label: str
    done: bool
    at: datetime | None


class OrderListItem(BaseModel):
    order_no: str
    status: str
    customer_code: str
    channel: str
    external_ref: str | None
    gross: Decimal
    currency: str
    priority: int
    requested_date: date | None
    placed_at: datetime
    saga_step: str | None
    saga_status: str | None
    deadline_at: datetime | None
    late: bool
    stuck: bool = False
    overdue: bool = False
    rejection_reason: str | None = None
    status_reason: str | None = None
    progress: list[TrackingStep] = []


class StatusCounts(BaseModel):
    counts: dict[str, int]


class TrackingShipment(BaseModel):
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime
    delivered_at: datetime | None


class TrackingRead(BaseModel):
    order_no: str
    status: str
    ended: bool
    steps: list[TrackingStep]
    carrier: str | None = Field(default=None, description="the latest shipment's carrier")
    tracking_no: str | None = Field(default=None, description="the latest shipment's tracking number")
    shipments: list[TrackingShipment] = Field(
        default_factory=list, description="what has shipped: carrier and tracking number, oldest first"
    )

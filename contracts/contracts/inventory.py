"""Messages produced by the inventory service: products, reservation replies, fulfilment, receipts, stock.

Reservation replies and fulfilment events are keyed by `order_no` (they belong to the order saga), goods
receipts by `grn_no`, stock level events by `sku`, stocktakes by `stocktake_no`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from contracts.common import (
    Address,
    Barcode,
    Code,
    ContractModel,
    DeliveryOrderNo,
    DocumentRef,
    GoodsReceiptNo,
    LineNo,
    Money,
    Name,
    NonNegativeQuantity,
    OrderNo,
    Percent,
    PositiveQuantity,
    Priority,
    PurchaseOrderNo,
    Quantity,
    ReservedLine,
    ReturnNo,
    ShortageLine,
    ShortText,
    StockLine,
    StockLines,
    Text,
    UnitCost,
    UserId,
    unique_line_nos,
)
from contracts.envelope import Message

ReservationFailureReason = Literal["out_of_stock", "unknown_sku", "invalid_request"]
Revision = Annotated[int, Field(ge=1, description="the order revision this reply answers")]


class ProductUpserted(Message):
    """A product was created or changed. Master data: the latest message per sku wins."""

    message_type: ClassVar[str] = "ProductUpserted"
    key_field: ClassVar[str] = "sku"

    sku: Code
    name: Name
    unit: Annotated[str, Field(min_length=1, max_length=16, description="unit of measure: pcs, kg, box")]
    category: ShortText | None = None
    barcodes: list[Barcode] = Field(default_factory=list)
    reorder_point: NonNegativeQuantity = Field(description="low stock when available falls below it")
    reorder_qty: NonNegativeQuantity = Field(description="suggested requisition quantity")
    active: bool = True
    updated_at: AwareDatetime


class StockReserved(Message):
    """Reply to ReserveStock: the order's reservation now; with allow_partial, `shortages` lists the rest."""

    message_type: ClassVar[str] = "StockReserved"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    lines: Annotated[list[ReservedLine], Field(min_length=1)]
    shortages: list[ShortageLine] = Field(default_factory=list)
    reserved_at: AwareDatetime


class StockReservationFailed(Message):
    """Reply to ReserveStock: nothing was reserved for the order."""

    message_type: ClassVar[str] = "StockReservationFailed"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    reason: ReservationFailureReason
    shortages: list[ShortageLine] = Field(default_factory=list)
    detail: Text | None = None
    failed_at: AwareDatetime


class StockReleased(Message):
    """Reply to ReleaseStock: what was released. Empty `lines` when nothing was held."""

    message_type: ClassVar[str] = "StockReleased"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    lines: list[ReservedLine] = Field(default_factory=list)
    reason: Text | None = None
    released_at: AwareDatetime


class ReservationAdjusted(Message):
    """Reply to AdjustReservation: `lines` is the order's whole reservation after the change."""

    message_type: ClassVar[str] = "ReservationAdjusted"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Revision
    lines: list[ReservedLine] = Field(default_factory=list)
    shortages: list[ShortageLine] = Field(default_factory=list)
    adjusted_at: AwareDatetime


class ReservationAdjustmentFailed(Message):
    """Reply to AdjustReservation: the reservation is unchanged."""

    message_type: ClassVar[str] = "ReservationAdjustmentFailed"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    revision: Revision
    reason: ReservationFailureReason
    shortages: list[ShortageLine] = Field(default_factory=list)
    detail: Text | None = None
    failed_at: AwareDatetime


class OutboundOrderCreated(Message):
    """An outbound/delivery order (出库单) was created for a confirmed order; one per shipping warehouse."""

    message_type: ClassVar[str] = "OutboundOrderCreated"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    warehouse_code: Code
    lines: StockLines
    priority: Priority
    ship_to: Address | None = None
    created_at: AwareDatetime


class OutboundOrderCancelled(Message):
    """An outbound order was cancelled before dispatch (order cancelled or amended)."""

    message_type: ClassVar[str] = "OutboundOrderCancelled"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    reason: Text
    cancelled_at: AwareDatetime


class OutboundOrderPicked(Message):
    """Picking of an outbound order began (its first scan, or pick-all): goods are off the shelves, so the order
    can no longer be edited until the warehouse un-picks."""

    message_type: ClassVar[str] = "OutboundOrderPicked"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    picked_by: UserId
    picked_at: AwareDatetime


class OutboundOrderUnpicked(Message):
    """The warehouse put an outbound order's picked goods back (an explicit, audited step): it is `created`
    again, its reservation unchanged, and the order may be edited."""

    message_type: ClassVar[str] = "OutboundOrderUnpicked"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    lines: Annotated[list[StockLine], Field(description="the quantities put back, per line")]
    reason: Text
    unpicked_by: UserId
    unpicked_at: AwareDatetime


class StockCommitted(Message):
    """Shipping consumed the reservation: on-hand and reserved both fell by these quantities."""

    message_type: ClassVar[str] = "StockCommitted"
    key_field: ClassVar[str] = "order_no"

    order_no: OrderNo
    do_no: DeliveryOrderNo
    lines: Annotated[list[ReservedLine], Field(min_length=1)]
    committed_at: AwareDatetime


class ShippedLine(ContractModel):
    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    unit_cost: UnitCost = Field(description="moving-average cost at dispatch, for cost of goods sold")


class ShipmentDispatched(Message):
    """An outbound order left the warehouse (one dispatch per outbound order; finance invoices it)."""

    message_type: ClassVar[str] = "ShipmentDispatched"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    warehouse_code: Code
    carrier: ShortText
    tracking_no: ShortText | None = None
    batch_no: DocumentRef | None = Field(default=None, description="the batch shipment it was part of")
    lines: Annotated[list[ShippedLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    shipped_at: AwareDatetime


class ShipmentDelivered(Message):
    """The carrier or the customer confirmed delivery (签收)."""

    message_type: ClassVar[str] = "ShipmentDelivered"
    key_field: ClassVar[str] = "order_no"

    do_no: DeliveryOrderNo
    order_no: OrderNo
    signed_by: ShortText | None = None
    delivered_at: AwareDatetime


class ReturnedLine(ContractModel):
    """One inspected line of a return: restocked goods are on hand again (a `return` movement at `unit_cost`),
    scrapped goods are written off (a `return` and a `scrap` movement; on-hand unchanged)."""

    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    result: Literal["restock", "scrap"]
    unit_cost: UnitCost = Field(description="the cost the goods left with (their shipments' moving-average cost)")


class ReturnReceived(Message):
    """The warehouse received a return's goods and inspected them; finance credits the order by it (a credit
    note naming the return, restocked goods' cost taken back from cost of goods sold)."""

    message_type: ClassVar[str] = "ReturnReceived"
    key_field: ClassVar[str] = "order_no"

    return_no: ReturnNo
    order_no: OrderNo
    warehouse_code: Code
    lines: Annotated[list[ReturnedLine], Field(min_length=1)]
    received_by: UserId
    received_at: AwareDatetime


class ReceiptLine(ContractModel):
    """One received line: `qty_received = qty_accepted + qty_rejected`; only accepted stock is on hand."""

    line_no: LineNo
    po_line_no: LineNo | None = None
    sku: Code
    qty_received: NonNegativeQuantity
    qty_accepted: NonNegativeQuantity
    qty_rejected: NonNegativeQuantity
    reject_reason: Text | None = None
    unit_cost: UnitCost = Field(description="the PO price, or the cost entered for a receipt without PO")
    avg_cost_after: UnitCost | None = Field(
        default=None, description="the sku's moving-average unit cost once this receipt is on hand (for valuation)"
    )

    @model_validator(mode="after")
    def _received_is_accepted_plus_rejected(self) -> ReceiptLine:
        if self.qty_accepted + self.qty_rejected != self.qty_received:
            raise ValueError("qty_received must equal qty_accepted + qty_rejected")
        return self


class GoodsReceived(Message):
    """A goods receipt (入库单) was posted: on-hand rose. Purchasing tracks the PO, finance bills it."""

    message_type: ClassVar[str] = "GoodsReceived"
    key_field: ClassVar[str] = "grn_no"

    grn_no: GoodsReceiptNo
    po_no: PurchaseOrderNo | None = Field(default=None, description="null for a receipt without PO")
    supplier_code: Code | None = None
    warehouse_code: Code
    lines: Annotated[list[ReceiptLine], Field(min_length=1), AfterValidator(unique_line_nos)]
    reason: Text | None = Field(default=None, description="required for a receipt without PO")
    received_by: UserId
    received_at: AwareDatetime

    @model_validator(mode="after")
    def _reason_without_po(self) -> GoodsReceived:
        if self.po_no is None and self.reason is None:
            raise ValueError("reason is required for a receipt without po_no")
        return self


StockAdjustmentReason = Literal[
    "stocktake", "damage", "correction", "return", "transfer_in", "transfer_out", "opening_balance", "other"
]


class StockAdjusted(Message):
    """On-hand of one sku in one warehouse changed outside receipts and shipments (a ledger movement)."""

    message_type: ClassVar[str] = "StockAdjusted"
    key_field: ClassVar[str] = "sku"

    sku: Code
    warehouse_code: Code
    qty_delta: Quantity
    on_hand_after: NonNegativeQuantity
    reason_code: StockAdjustmentReason
    reason: Text | None = None
    reference: DocumentRef | None = Field(default=None, description="stocktake no, transfer no, return no")
    unit_cost: UnitCost | None = None
    adjusted_by: UserId | None = None
    adjusted_at: AwareDatetime


class StockValued(Message):
    """The sku's stock as inventory values it now: on hand (all warehouses) at its moving-average cost. Published
    by the one-off opening valuation (`python -m inventory.opening_valuation`) for stock from before finance kept
    a valuation per sku; finance takes it as the sku's valuation and books the difference as an opening balance."""

    message_type: ClassVar[str] = "StockValued"
    key_field: ClassVar[str] = "sku"

    sku: Code
    qty: NonNegativeQuantity
    unit_cost: UnitCost = Field(description="the moving-average unit cost")
    value: Money = Field(description="qty × unit_cost, to the cent")
    reason: Text | None = None
    valued_at: AwareDatetime


class StockAvailable(Message):
    """Available stock of a sku in a warehouse rose (receipt, release, adjustment): serve backorders."""

    message_type: ClassVar[str] = "StockAvailable"
    key_field: ClassVar[str] = "sku"

    sku: Code
    warehouse_code: Code
    on_hand: NonNegativeQuantity
    reserved: NonNegativeQuantity
    available: NonNegativeQuantity
    at: AwareDatetime


class LowStockDetected(Message):
    """Available stock fell below the reorder point; purchasing drafts a requisition for `reorder_qty`."""

    message_type: ClassVar[str] = "LowStockDetected"
    key_field: ClassVar[str] = "sku"

    sku: Code
    warehouse_code: Code
    on_hand: NonNegativeQuantity
    available: NonNegativeQuantity
    reorder_point: NonNegativeQuantity
    reorder_qty: NonNegativeQuantity
    detected_at: AwareDatetime


class VarianceLine(ContractModel):
    sku: Code
    expected_qty: NonNegativeQuantity
    counted_qty: NonNegativeQuantity
    variance_qty: Quantity = Field(description="counted − expected")


class StocktakeVarianceDetected(Message):
    """A submitted stocktake count differs from the snapshot beyond the threshold; lines over it only."""

    message_type: ClassVar[str] = "StocktakeVarianceDetected"
    key_field: ClassVar[str] = "stocktake_no"

    stocktake_no: DocumentRef
    warehouse_code: Code
    threshold_pct: Percent
    lines: Annotated[list[VarianceLine], Field(min_length=1)]
    detected_at: AwareDatetime

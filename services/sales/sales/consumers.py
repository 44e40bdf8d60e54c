"""Kafka subscribers: each reply is validated by its contract (servicekit), then one handler runs in the
transaction that also records it in the inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from contracts.finance import (
    CreditApproved,
    CreditNoteIssued,
    CreditRefused,
    InvoiceIssued,
    OrderSettled,
    PaymentAllocated,
    SettlementVoided,
)
from contracts.inventory import (
    OutboundOrderCreated,
    OutboundOrderPicked,
    OutboundOrderUnpicked,
    ProductUpserted,
    ReservationAdjusted,
    ReservationAdjustmentFailed,
    ReturnReceived,
    ShipmentDelivered,
    ShipmentDispatched,
    StockReleased,
    StockReservationFailed,
    StockReserved,
)
from sales import store
from sales.config import SalesSettings, SalesUnit
from sales.handlers import catalog, fulfilment, replies, returns
from servicekit.consumer import MessageHandlers
from servicekit.unit import bound

M = TypeVar("M", bound=Message)

ROUTES: list[tuple[type[Any], Callable[[SalesUnit, Any], Awaitable[None]]]] = [
    (StockReserved, replies.stock_reserved),
    (StockReservationFailed, replies.stock_reservation_failed),
    (StockReleased, replies.stock_released),
    (ReservationAdjusted, replies.reservation_adjusted),
    (ReservationAdjustmentFailed, replies.reservation_adjustment_failed),
    (CreditApproved, replies.credit_approved),
    (CreditRefused, replies.credit_refused),
    (SettlementVoided, replies.settlement_voided),
    (OutboundOrderCreated, fulfilment.outbound_created),
    (OutboundOrderPicked, fulfilment.outbound_picked),
    (OutboundOrderUnpicked, fulfilment.outbound_unpicked),
    (ShipmentDispatched, fulfilment.shipment_dispatched),
    (ShipmentDelivered, fulfilment.shipment_delivered),
    (InvoiceIssued, fulfilment.invoice_issued),
    (PaymentAllocated, fulfilment.payment_allocated),
    (OrderSettled, fulfilment.order_settled),
    (ReturnReceived, returns.return_received),
    (CreditNoteIssued, returns.credit_note_issued),
    (ProductUpserted, catalog.product_upserted),
]


# The saga's replies: their handlers begin by loading (and locking) the order, so a batch reads them all at once.
PRELOADED = (StockReserved, StockReservationFailed, CreditApproved, CreditRefused)


async def _prepare(session: AsyncSession, messages: list[Message]) -> None:
    """A batch's set-based work before its handlers: its replies' orders read ahead, its new outbound orders
    recorded."""
    order_nos = [m.order_no for m in messages if isinstance(m, PRELOADED)]
    if order_nos:
        await store.preload(session, order_nos)
    created = [m for m in messages if isinstance(m, OutboundOrderCreated)]
    if created:
        await fulfilment.record_outbound_created(session, created)


def message_handlers(settings: SalesSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    for model, use_case in ROUTES:
        handlers.on(model)(bound(settings, use_case))
    handlers.prepare_groups(_prepare, key=lambda m: getattr(m, "order_no", None))
    return handlers

"""Kafka subscribers: each validated message calls one handler, in the consumer's one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from contracts.inventory import StockAvailable
from contracts.purchasing import PurchaseOrderCancelled, PurchaseOrderClosed, PurchaseOrderSent
from contracts.sales import (
    AdjustReservation,
    OrderCancelled,
    OrderConfirmed,
    OrderVoided,
    ReleaseStock,
    ReserveStock,
    ReturnAuthorized,
)
from inventory import stock
from inventory.config import InventorySettings
from inventory.handlers import backorders, holdings, outbound, purchase_orders, reservations, returns
from servicekit.consumer import MessageHandlers
from servicekit.unit import UseCase, bound


async def _prepare(session: AsyncSession, messages: list[Message]) -> None:
    """A batch's set-based work before its handlers, in the lock order (outbound orders, order headers, stock
    rows): the confirmed orders' outbound orders read ahead; the reservation headers created and locked at once,
    then the stock rows of their skus (inventory.stock.lock_ahead); the reservation rows of both read ahead (see
    servicekit.unit.Batch)."""
    confirmed = [m for m in messages if isinstance(m, OrderConfirmed)]
    if confirmed:
        await outbound.read_ahead(session, confirmed)
    commands = [m for m in messages if isinstance(m, ReserveStock)]
    if commands:
        await holdings.lock_headers_of(session, commands)
        await stock.lock_ahead(session, {line.sku for c in commands for line in c.lines})
    if confirmed or commands:
        await holdings.read_ahead(session, [m.order_no for m in confirmed + commands])


ROUTES: list[tuple[type[Any], UseCase[InventorySettings]]] = [
    (ReserveStock, reservations.reserve_stock),
    (ReleaseStock, reservations.release_stock),
    (AdjustReservation, reservations.adjust_reservation),
    # Our own event: available stock rose somewhere, so queued backorders may now be served.
    (StockAvailable, backorders.serve),
    (OrderConfirmed, outbound.on_order_confirmed),
    (OrderCancelled, outbound.on_order_cancelled),
    (OrderVoided, outbound.on_order_voided),
    (ReturnAuthorized, returns.on_return_authorized),
    (PurchaseOrderSent, purchase_orders.on_sent),
    (PurchaseOrderCancelled, purchase_orders.on_cancelled),
    (PurchaseOrderClosed, purchase_orders.on_closed),
]


def build(settings: InventorySettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    for model, use_case in ROUTES:
        handlers.on(model)(bound(settings, use_case))
    # What a batch reads ahead is per order: each handler is handed its order's (servicekit.unit.Batch).
    handlers.prepare_groups(_prepare, key=lambda m: getattr(m, "order_no", None))
    return handlers

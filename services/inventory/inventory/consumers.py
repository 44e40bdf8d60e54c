"""Kafka subscribers: each validated message calls one handler, in the consumer's one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from contracts.inventory import StockAvailable
from contracts.purchasing import PurchaseOrderCancelled, PurchaseOrderClosed, PurchaseOrderSent
from contracts.sales import AdjustReservation, OrderCancelled, OrderConfirmed, ReleaseStock, ReserveStock
from inventory.handlers import backorders, holdings, outbound, purchase_orders, reservations
from servicekit.consumer import MessageHandlers


async def _prepare(session: AsyncSession, messages: list[Message]) -> None:
    """A batch's reservation headers, created and locked at once (headers before stock rows, as everywhere)."""
    commands = [m for m in messages if isinstance(m, ReserveStock)]
    if commands:
        await holdings.lock_headers_of(session, commands)


def build() -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    handlers.on(ReserveStock)(reservations.reserve_stock)
    handlers.on(ReleaseStock)(reservations.release_stock)
    handlers.on(AdjustReservation)(reservations.adjust_reservation)
    # Our own event: available stock rose somewhere, so queued backorders may now be served.
    handlers.on(StockAvailable)(backorders.serve)
    handlers.on(OrderConfirmed)(outbound.on_order_confirmed)
    handlers.on(OrderCancelled)(outbound.on_order_cancelled)
    handlers.on(PurchaseOrderSent)(purchase_orders.on_sent)
    handlers.on(PurchaseOrderCancelled)(purchase_orders.on_cancelled)
    handlers.on(PurchaseOrderClosed)(purchase_orders.on_closed)
    handlers.prepare_groups(_prepare)
    return handlers

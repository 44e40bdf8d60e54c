"""Kafka subscribers: each validated message calls one use case inside the consumer's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from contracts.inventory import GoodsReceived, ReturnReceived, ShipmentDispatched, StockAdjusted, StockValued
from contracts.purchasing import PurchaseOrderSent, SupplierUpserted
from contracts.sales import (
    CheckCredit,
    CustomerUpserted,
    OrderAmended,
    OrderCancelled,
    OrderConfirmed,
    OrderVoided,
    VoidOrderSettlement,
)
from finance.config import FinanceSettings, FinanceUnit
from finance.handlers import credit, credit_notes, invoicing, orders, payables, stock
from servicekit.consumer import MessageHandlers
from servicekit.unit import UseCase, bound


async def _prepare(session: AsyncSession, messages: list[Message]) -> None:
    """A batch's credit checks: their customers' accounts locked (and read) at once, and their situations."""
    checks = [m for m in messages if isinstance(m, CheckCredit)]
    if checks:
        await credit.lock_accounts_of(session, checks)


async def _void_settlement(unit: FinanceUnit, msg: VoidOrderSettlement) -> None:
    await credit.release_hold(unit, msg.order_no, msg.customer_code, msg.reason, always_reply=True)


async def _credit_return(unit: FinanceUnit, msg: ReturnReceived) -> None:
    await credit_notes.credit_return(unit, msg)


ROUTES: list[tuple[type[Any], UseCase[FinanceSettings]]] = [
    (CustomerUpserted, credit.upsert_customer),
    (CheckCredit, credit.check_credit),
    (VoidOrderSettlement, _void_settlement),
    (OrderConfirmed, orders.order_confirmed),
    (OrderAmended, orders.order_amended),
    (OrderCancelled, orders.order_cancelled),
    (OrderVoided, orders.order_voided),
    (ShipmentDispatched, invoicing.invoice_shipment),
    (ReturnReceived, _credit_return),
    (StockAdjusted, stock.stock_adjusted),
    (StockValued, stock.stock_valued),
    (SupplierUpserted, payables.upsert_supplier),
    (PurchaseOrderSent, payables.purchase_order_sent),
    (GoodsReceived, payables.goods_received),
]


def build(settings: FinanceSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    for model, use_case in ROUTES:
        handlers.on(model)(bound(settings, use_case))
    # What a batch reads ahead (credit situations) is per customer; a message about none drops it all.
    handlers.prepare_groups(_prepare, key=lambda m: getattr(m, "customer_code", None))
    return handlers

"""Kafka subscribers: each validated message calls one use case inside the consumer's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from contracts.inventory import GoodsReceived, ReturnReceived, ShipmentDispatched, StockAdjusted
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
from finance.handlers import Ctx, credit, credit_notes, invoicing, orders, payables, stock
from servicekit.consumer import HandlerContext, MessageHandlers


async def _prepare(session: AsyncSession, messages: list[Message]) -> None:
    """A batch's credit checks: their customers' accounts locked (and read) at once, and their situations."""
    checks = [m for m in messages if isinstance(m, CheckCredit)]
    if checks:
        await credit.lock_accounts_of(session, checks)


def _ctx(ctx: HandlerContext) -> Ctx:
    return Ctx(ctx.session, ctx.publish, ctx.clock.now())


def build() -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()

    @handlers.on(CustomerUpserted)
    async def on_customer_upserted(ctx: HandlerContext, msg: CustomerUpserted) -> None:
        await credit.upsert_customer(_ctx(ctx), msg)

    @handlers.on(CheckCredit)
    async def on_check_credit(ctx: HandlerContext, msg: CheckCredit) -> None:
        await credit.check_credit(_ctx(ctx), msg)

    @handlers.on(VoidOrderSettlement)
    async def on_void_order_settlement(ctx: HandlerContext, msg: VoidOrderSettlement) -> None:
        await credit.release_hold(_ctx(ctx), msg.order_no, msg.customer_code, msg.reason, always_reply=True)

    @handlers.on(OrderConfirmed)
    async def on_order_confirmed(ctx: HandlerContext, msg: OrderConfirmed) -> None:
        await orders.order_confirmed(_ctx(ctx), msg)

    @handlers.on(OrderAmended)
    async def on_order_amended(ctx: HandlerContext, msg: OrderAmended) -> None:
        await orders.order_amended(_ctx(ctx), msg)

    @handlers.on(OrderCancelled)
    async def on_order_cancelled(ctx: HandlerContext, msg: OrderCancelled) -> None:
        await orders.order_cancelled(_ctx(ctx), msg)

    @handlers.on(OrderVoided)
    async def on_order_voided(ctx: HandlerContext, msg: OrderVoided) -> None:
        await orders.order_voided(_ctx(ctx), msg)

    @handlers.on(ShipmentDispatched)
    async def on_shipment_dispatched(ctx: HandlerContext, msg: ShipmentDispatched) -> None:
        await invoicing.invoice_shipment(_ctx(ctx), msg)

    @handlers.on(ReturnReceived)
    async def on_return_received(ctx: HandlerContext, msg: ReturnReceived) -> None:
        await credit_notes.credit_return(_ctx(ctx), msg)

    @handlers.on(StockAdjusted)
    async def on_stock_adjusted(ctx: HandlerContext, msg: StockAdjusted) -> None:
        await stock.stock_adjusted(_ctx(ctx), msg)

    @handlers.on(SupplierUpserted)
    async def on_supplier_upserted(ctx: HandlerContext, msg: SupplierUpserted) -> None:
        await payables.upsert_supplier(_ctx(ctx), msg)

    @handlers.on(PurchaseOrderSent)
    async def on_purchase_order_sent(ctx: HandlerContext, msg: PurchaseOrderSent) -> None:
        await payables.purchase_order_sent(_ctx(ctx), msg)

    @handlers.on(GoodsReceived)
    async def on_goods_received(ctx: HandlerContext, msg: GoodsReceived) -> None:
        await payables.goods_received(_ctx(ctx), msg)

    # What a batch reads ahead (credit situations) is per customer; a message about none drops it all.
    handlers.prepare_groups(_prepare, key=lambda m: getattr(m, "customer_code", None))
    return handlers

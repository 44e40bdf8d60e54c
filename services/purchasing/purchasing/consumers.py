"""What purchasing reads from Kafka: one handler per message, each in one transaction with its inbox record."""

from __future__ import annotations

from typing import Any

from contracts.analytics import SupplierScored
from contracts.finance import BillCreated, BillHeld
from contracts.inventory import GoodsReceived, LowStockDetected, ProductUpserted
from purchasing.handlers import progress, requisitions
from servicekit.consumer import MessageHandlers


def build_handlers() -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    handlers.on(GoodsReceived)(progress.on_goods_received)
    handlers.on(BillCreated)(progress.on_bill_created)
    handlers.on(BillHeld)(progress.on_bill_held)
    handlers.on(ProductUpserted)(progress.on_product_upserted)
    handlers.on(SupplierScored)(progress.on_supplier_scored)
    handlers.on(LowStockDetected)(requisitions.on_low_stock)
    return handlers

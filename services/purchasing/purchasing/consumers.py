"""What purchasing reads from Kafka: one handler per message, each in one transaction with its inbox record."""

from __future__ import annotations

from typing import Any

from contracts.analytics import SupplierScored
from contracts.finance import BillCreated, BillHeld
from contracts.inventory import GoodsReceived, LowStockDetected, ProductUpserted
from purchasing.config import PurchasingSettings
from purchasing.handlers import progress, requisitions
from servicekit.consumer import MessageHandlers
from servicekit.unit import bound


def build_handlers(settings: PurchasingSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    handlers.on(GoodsReceived)(bound(settings, progress.on_goods_received))
    handlers.on(BillCreated)(bound(settings, progress.on_bill_created))
    handlers.on(BillHeld)(bound(settings, progress.on_bill_held))
    handlers.on(ProductUpserted)(bound(settings, progress.on_product_upserted))
    handlers.on(SupplierScored)(bound(settings, progress.on_supplier_scored))
    handlers.on(LowStockDetected)(bound(settings, requisitions.on_low_stock))
    return handlers

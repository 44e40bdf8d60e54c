"""Inventory examples."""

from __future__ import annotations

from decimal import Decimal as Dec

from contracts import inventory as inv
from contracts.envelope import Message
from contracts.examples.story import (
    ADDRESS,
    AT,
    DO,
    GRN,
    PO,
    RESERVED,
    SHORTAGE,
    SKU_A,
    SKU_B,
    SO,
    STOCK_LINES,
    SUPPLIER,
    WAREHOUSE,
)

EXAMPLES: list[Message] = [
    inv.ProductUpserted(
        sku=SKU_A,
        name="不锈钢螺栓 M8×30",
        unit="box",
        category="fasteners",
        barcodes=["6901234567892"],
        reorder_point=Dec("50"),
        reorder_qty=Dec("200"),
        updated_at=AT,
    ),
    inv.StockReserved(order_no=SO, lines=RESERVED, reserved_at=AT),
    inv.StockReservationFailed(order_no=SO, reason="out_of_stock", shortages=[SHORTAGE], failed_at=AT),
    inv.StockReleased(order_no=SO, lines=RESERVED, reason="credit refused", released_at=AT),
    inv.ReservationAdjusted(order_no=SO, revision=2, lines=RESERVED[:1], adjusted_at=AT),
    inv.ReservationAdjustmentFailed(order_no=SO, revision=2, reason="out_of_stock", shortages=[SHORTAGE], failed_at=AT),
    inv.OutboundOrderCreated(
        do_no=DO,
        order_no=SO,
        warehouse_code=WAREHOUSE,
        lines=STOCK_LINES,
        priority=7,
        ship_to=ADDRESS,
        created_at=AT,
    ),
    inv.OutboundOrderCancelled(do_no=DO, order_no=SO, reason="order cancelled", cancelled_at=AT),
    inv.OutboundOrderPicked(do_no=DO, order_no=SO, picked_by="picker.li", picked_at=AT),
    inv.OutboundOrderUnpicked(
        do_no=DO, order_no=SO, lines=STOCK_LINES, reason="order to be amended", unpicked_by="picker.li", unpicked_at=AT
    ),
    inv.StockCommitted(order_no=SO, do_no=DO, lines=RESERVED, committed_at=AT),
    inv.ShipmentDispatched(
        do_no=DO,
        order_no=SO,
        warehouse_code=WAREHOUSE,
        carrier="SF Express",
        tracking_no="SF1234567890",
        lines=[inv.ShippedLine(line_no=1, sku=SKU_A, qty=Dec("10"), unit_cost=Dec("15.2500"))],
        shipped_at=AT,
    ),
    inv.ShipmentDelivered(do_no=DO, order_no=SO, signed_by="王伟", delivered_at=AT),
    inv.ReturnReceived(
        return_no="RMA-2026-000001",
        order_no=SO,
        warehouse_code=WAREHOUSE,
        lines=[
            inv.ReturnedLine(line_no=1, sku=SKU_A, qty=Dec("1"), result="restock", unit_cost=Dec("15.2500")),
            inv.ReturnedLine(line_no=1, sku=SKU_A, qty=Dec("1"), result="scrap", unit_cost=Dec("15.2500")),
        ],
        received_by="picker.li",
        received_at=AT,
    ),
    inv.GoodsReceived(
        grn_no=GRN,
        po_no=PO,
        supplier_code=SUPPLIER,
        warehouse_code=WAREHOUSE,
        received_by="u-chen",
        received_at=AT,
        lines=[
            inv.ReceiptLine(
                line_no=1,
                po_line_no=1,
                sku=SKU_A,
                qty_received=Dec("100"),
                qty_accepted=Dec("98"),
                qty_rejected=Dec("2"),
                reject_reason="damaged packaging",
                unit_cost=Dec("15.00"),
                avg_cost_after=Dec("15.00"),
            )
        ],
    ),
    inv.StockAdjusted(
        sku=SKU_A,
        warehouse_code=WAREHOUSE,
        qty_delta=Dec("-3"),
        on_hand_after=Dec("95"),
        reason_code="stocktake",
        reference="ST-2026-0003",
        adjusted_by="u-chen",
        adjusted_at=AT,
    ),
    inv.StockValued(
        sku=SKU_A,
        qty=Dec("95"),
        unit_cost=Dec("15.0000"),
        value=Dec("1425.00"),
        reason="opening valuation on upgrade",
        valued_at=AT,
    ),
    inv.StockAvailable(
        sku=SKU_B,
        warehouse_code=WAREHOUSE,
        on_hand=Dec("40"),
        reserved=Dec("12.5"),
        available=Dec("27.5"),
        at=AT,
    ),
    inv.LowStockDetected(
        sku=SKU_A,
        warehouse_code=WAREHOUSE,
        on_hand=Dec("60"),
        available=Dec("45"),
        reorder_point=Dec("50"),
        reorder_qty=Dec("200"),
        detected_at=AT,
    ),
    inv.StocktakeVarianceDetected(
        stocktake_no="ST-2026-0003",
        warehouse_code=WAREHOUSE,
        threshold_pct=Dec("2"),
        detected_at=AT,
        lines=[inv.VarianceLine(sku=SKU_A, expected_qty=Dec("98"), counted_qty=Dec("95"), variance_qty=Dec("-3"))],
    ),
]

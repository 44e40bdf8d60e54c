"""Sales examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as Dec

from contracts import sales
from contracts.common import Amounts
from contracts.envelope import Message
from contracts.examples.story import (
    ADDRESS,
    AT,
    CUSTOMER,
    ORDER_LINES,
    ORDER_TOTALS,
    SKU_A,
    SKU_B,
    SO,
    STOCK_LINES,
    WAREHOUSE,
)

EXAMPLES: list[Message] = [
    sales.CustomerUpserted(
        customer_code=CUSTOMER,
        name="上海华东贸易有限公司",
        contact="王伟",
        email="wang.wei@example.com",
        credit_limit=Dec("50000.00"),
        payment_terms_days=30,
        billing_address=ADDRESS,
        updated_at=AT,
    ),
    sales.OrderPlaced(
        order_no=SO,
        customer_code=CUSTOMER,
        channel="wechat",
        external_ref="WX-88001",
        lines=ORDER_LINES,
        totals=ORDER_TOTALS,
        priority=7,
        allow_backorder=True,
        requested_date=date(2026, 3, 9),
        ship_to=ADDRESS,
        placed_at=AT,
    ),
    sales.OrderApprovalRequested(
        order_no=SO,
        customer_code=CUSTOMER,
        amount=Dec("536.75"),
        level=1,
        levels_total=1,
        approver_role="sales_manager",
        requested_at=AT,
    ),
    sales.OrderApprovalDecided(
        order_no=SO,
        level=1,
        approver_role="sales_manager",
        decision="approved",
        decided_by="u-li",
        final=True,
        decided_at=AT,
    ),
    sales.OrderStatusChanged(
        order_no=SO, customer_code=CUSTOMER, from_status="reserving", to_status="awaiting_credit", at=AT
    ),
    sales.OrderConfirmed(
        order_no=SO,
        customer_code=CUSTOMER,
        channel="wechat",
        external_ref="WX-88001",
        lines=ORDER_LINES,
        totals=ORDER_TOTALS,
        payment_terms_days=30,
        priority=7,
        ship_to=ADDRESS,
        confirmed_at=AT,
    ),
    sales.OrderRejected(order_no=SO, customer_code=CUSTOMER, reason="credit_limit", rejected_at=AT),
    sales.OrderCancelled(
        order_no=SO,
        customer_code=CUSTOMER,
        previous_status="confirmed",
        reason="customer changed their mind",
        cancelled_by="u-zhang",
        cancelled_at=AT,
    ),
    sales.OrderVoided(
        order_no=SO,
        customer_code=CUSTOMER,
        status="shipped",
        reason="数量录错, 重开 SO-2026-000002",
        replacement_order_no="SO-2026-000002",
        voided_by="u-zhang",
        voided_at=AT,
    ),
    sales.OrderApprovalEscalated(
        order_no=SO,
        customer_code=CUSTOMER,
        level=1,
        from_role="sales_manager",
        to_role="admin",
        pending_since=AT,
        due_at=AT,
        escalated_at=AT,
    ),
    sales.ReturnAuthorized(
        return_no="RMA-2026-000001",
        order_no=SO,
        customer_code=CUSTOMER,
        warehouse_code=WAREHOUSE,
        lines=[sales.ReturnLine(line_no=1, sku=SKU_A, qty=Dec("2"))],
        reason="客户退货: 包装破损",
        authorized_by="u-zhang",
        authorized_at=AT,
    ),
    sales.OrderAmended(
        order_no=SO,
        revision=2,
        customer_code=CUSTOMER,
        lines=ORDER_LINES[:1],
        totals=Amounts(net=Dec("225.00"), tax=Dec("29.25"), gross=Dec("254.25")),
        reason="line 2 dropped by customer",
        amended_by="u-zhang",
        amended_at=AT,
    ),
    sales.ReserveStock(order_no=SO, lines=STOCK_LINES, priority=7, placed_at=AT),
    sales.ReleaseStock(order_no=SO, reason="credit refused"),
    sales.AdjustReservation(
        order_no=SO,
        revision=2,
        lines=[sales.ReservationTarget(line_no=2, sku=SKU_B, qty=Dec("0"))],
        reason="line 2 dropped",
    ),
    sales.CheckCredit(order_no=SO, customer_code=CUSTOMER, amount=Dec("536.75")),
    sales.VoidOrderSettlement(order_no=SO, customer_code=CUSTOMER, reason="order cancelled"),
]

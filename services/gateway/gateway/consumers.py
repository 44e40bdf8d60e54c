"""The live feed: the gateway reads every business topic of the contracts registry and turns each event into
a small change notice for the connected browsers (gateway.live).

It reads without a consumer group, each replica every partition from the end, and keeps no inbox: a notice
is a volatile hint (the console re-fetches what it concerns), so a duplicate costs one re-fetch and an event
missed while no browser was connected concerns nobody; recording each event in an inbox would cost a database
write per event per replica for nothing. The browsers' resume window is the hub's ring, in memory."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from contracts.registry import TOPICS, Topic
from gateway.config import GatewayRuntime
from gateway.domain import Notice
from gateway.live import LiveHub

log = logging.getLogger("gateway.live")
Status = str | Callable[[dict[str, Any]], str | None] | None


def _field(name: str) -> Callable[[dict[str, Any]], str | None]:
    def get(payload: dict[str, Any]) -> str | None:
        value = payload.get(name)
        return None if value is None else str(value)

    return get


# message type → (entity, the payload field with its number, its new status, anomaly, the reason's field). Not
# derived from the contracts: an event's key is its flow's (a shipment's is its order, a bill's its supplier), not the
# document a screen shows, and the status an event means is the console's reading of it. A test holds every event
# of the registry to an entry.
NOTICES: dict[str, tuple[str, str, Status, bool, str | None]] = {
    "OrderPlaced": ("sales_order", "order_no", "pending", False, None),
    "OrderApprovalRequested": ("sales_order", "order_no", "pending_approval", False, None),
    "OrderApprovalDecided": ("sales_order", "order_no", None, False, "decision"),
    "OrderStatusChanged": ("sales_order", "order_no", _field("to_status"), False, "reason"),
    "OrderConfirmed": ("sales_order", "order_no", "confirmed", False, None),
    "OrderRejected": ("sales_order", "order_no", "rejected", True, "reason"),
    "OrderCancelled": ("sales_order", "order_no", "cancelled", False, "reason"),
    "OrderAmended": ("sales_order", "order_no", None, False, "reason"),
    "CustomerUpserted": ("customer", "customer_code", None, False, None),
    "ProductUpserted": ("product", "sku", None, False, None),
    "StockReserved": ("sales_order", "order_no", None, False, None),
    "StockReservationFailed": ("sales_order", "order_no", None, True, "reason"),
    "StockReleased": ("sales_order", "order_no", None, False, "reason"),
    "ReservationAdjusted": ("sales_order", "order_no", None, False, None),
    "ReservationAdjustmentFailed": ("sales_order", "order_no", None, True, "reason"),
    "OutboundOrderCreated": ("outbound_order", "do_no", "created", False, None),
    "OutboundOrderCancelled": ("outbound_order", "do_no", "cancelled", False, "reason"),
    "StockCommitted": ("outbound_order", "do_no", None, False, None),
    "ShipmentDispatched": ("outbound_order", "do_no", "shipped", False, None),
    "ShipmentDelivered": ("outbound_order", "do_no", "delivered", False, None),
    "GoodsReceived": ("goods_receipt", "grn_no", "posted", False, "reason"),
    "StockAdjusted": ("stock", "sku", None, False, "reason_code"),
    "StockAvailable": ("stock", "sku", None, False, None),
    "StockValued": ("stock", "sku", None, False, "reason"),
    "LowStockDetected": ("stock", "sku", "low", True, None),
    "StocktakeVarianceDetected": ("stocktake", "stocktake_no", "variance", True, None),
    "CreditApproved": ("sales_order", "order_no", None, False, None),
    "CreditRefused": ("sales_order", "order_no", None, True, "reason"),
    "SettlementVoided": ("sales_order", "order_no", None, False, "reason"),
    "InvoiceIssued": ("invoice", "invoice_no", "open", False, None),
    "InvoiceVoided": ("invoice", "invoice_no", "void", False, "reason"),
    "InvoiceOverdue": ("invoice", "invoice_no", "overdue", True, None),
    "DunningReminderIssued": ("invoice", "invoice_no", None, False, None),
    "PaymentAllocated": ("invoice", "invoice_no", _field("invoice_status"), False, None),
    "OrderSettled": ("sales_order", "order_no", None, False, None),
    "PaymentReceived": ("payment", "payment_no", "received", False, None),
    "BillCreated": ("bill", "bill_no", _field("status"), False, None),
    "BillHeld": ("bill", "bill_no", "held", True, "reason"),
    "BillReleased": ("bill", "bill_no", "released", False, None),
    "SupplierPaymentMade": ("payment", "payment_no", "paid", False, None),
    "SupplierUpserted": ("supplier", "supplier_code", None, False, None),
    "OrderVoided": ("sales_order", "order_no", "voided", True, "reason"),
    "OutboundOrderPicked": ("outbound_order", "do_no", "picked", False, None),
    "OutboundOrderUnpicked": ("outbound_order", "do_no", "created", False, "reason"),
    "CreditNoteIssued": ("invoice", "invoice_no", "credited", False, None),
    "ReturnAuthorized": ("sales_order", "order_no", None, False, "reason"),
    "OrderApprovalEscalated": ("sales_order", "order_no", "pending_approval", True, None),
    "ReturnReceived": ("sales_order", "order_no", None, False, None),
    "SupplierScored": ("supplier", "supplier_code", _field("standing"), False, None),
    "RequisitionSubmitted": ("requisition", "pr_no", "submitted", False, None),
    "RequisitionApproved": ("requisition", "pr_no", "approved", False, None),
    "RequisitionRejected": ("requisition", "pr_no", "rejected", False, "comment"),
    "RequisitionOrdered": ("requisition", "pr_no", "ordered", False, None),
    "RequisitionCancelled": ("requisition", "pr_no", "cancelled", False, "reason"),
    "PurchaseOrderApproved": ("purchase_order", "po_no", "approved", False, None),
    "PurchaseOrderSent": ("purchase_order", "po_no", "sent", False, None),
    "PurchaseOrderShipped": ("purchase_order", "po_no", "shipped", False, None),
    "PurchaseOrderStatusChanged": ("purchase_order", "po_no", _field("to_status"), False, "reason"),
    "PurchaseOrderClosed": ("purchase_order", "po_no", "closed", False, "reason"),
    "PurchaseOrderCancelled": ("purchase_order", "po_no", "cancelled", False, "reason"),
    "PurchaseAnomalyRaised": ("purchase_order", "po_no", None, True, "anomaly_type"),
    "AlertRaised": ("alert", "alert_id", "raised", True, "rule_code"),
    "ExceptionCaseOpened": ("case", "case_no", "open", True, "case_type"),
    "ExceptionCaseAssigned": ("case", "case_no", "processing", False, None),
    "ExceptionCaseEscalated": ("case", "case_no", "escalated", True, "reason"),
    "ExceptionCaseResolved": ("case", "case_no", "resolved", False, None),
    "ExceptionCaseClosed": ("case", "case_no", "closed", False, None),
}
# Approvals name their document's type; the console's entity names.
APPROVAL_ENTITY = {"requisition": "requisition", "purchase_order": "purchase_order", "sales_order": "sales_order"}
ANOMALOUS_STATUSES = frozenset({"rejected", "backordered", "held", "overdue", "escalated"})


def live_topics() -> list[Topic]:
    """The registry's event topics (commands and dead letters are no change anyone looks at)."""
    return [t for t in TOPICS if t.messages and all(m.kind == "event" for m in t.messages)]


def notice_of(service: str, envelope: dict[str, Any]) -> Notice | None:
    """The notice an event becomes; None for what no screen shows."""
    kind, payload = envelope.get("type"), envelope.get("payload")
    if not isinstance(kind, str) or not isinstance(payload, dict):
        return None
    at = str(envelope.get("occurred_at", ""))
    if kind.startswith("Approval"):  # purchasing's approvals: the document they concern
        entity = APPROVAL_ENTITY.get(str(payload.get("document_type")), str(payload.get("document_type")))
        status = "pending_approval" if kind == "ApprovalRequested" else None
        reason = payload.get("decision") if kind == "ApprovalDecided" else None
        return Notice(entity, str(payload.get("document_no")), status, kind == "ApprovalEscalated",
                      None if reason is None else str(reason), service, kind, at)  # fmt: skip
    spec = NOTICES.get(kind)
    if spec is None:
        return None
    entity, number_field, status_of, anomaly, reason_field = spec
    number = payload.get(number_field)
    if number is None:
        return None
    status = status_of(payload) if callable(status_of) else status_of
    reason = payload.get(reason_field) if reason_field else None
    anomalous = anomaly or (status in ANOMALOUS_STATUSES)
    return Notice(entity, str(number), status, anomalous, None if reason is None else str(reason), service, kind, at)


def live_feed(hub: LiveHub, fetch_wait_ms: int = 50) -> Callable[[GatewayRuntime], Any]:
    """A background job: every partition of the live topics from their end, each event to the hub."""

    async def run(runtime: GatewayRuntime) -> None:
        topics = {t.name: t.producer for t in live_topics()}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=runtime.settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            client_id=f"{runtime.settings.service_name}-live",
            fetch_max_wait_ms=fetch_wait_ms,
        )
        await consumer.start()
        try:
            # Without a group, the consumer is assigned every partition of the topics it subscribes to.
            consumer.subscribe(list(topics))
            await _positions(consumer)
            hub.ready.set()
            while True:
                batch = await consumer.getmany(timeout_ms=1000, max_records=1000)
                for tp, records in batch.items():
                    for record in records:
                        _publish(hub, topics[tp.topic], record.value)
        finally:
            await consumer.stop()

    return run


async def _positions(consumer: AIOKafkaConsumer) -> None:
    """Wait for the assignment and resolve each partition's position (its end): from then on, what is published
    is seen."""
    for _ in range(300):
        if consumer.assignment():
            break
        await asyncio.sleep(0.1)
    else:
        log.warning("no partition of the live topics assigned: were the topics created?")
    for tp in consumer.assignment():
        await consumer.position(tp)


def _publish(hub: LiveHub, service: str, value: bytes | None) -> None:
    try:
        envelope = json.loads(value or b"")
        notice = notice_of(service, envelope) if isinstance(envelope, dict) else None
    except (ValueError, TypeError):
        log.warning("an unreadable record on a live topic was skipped")
        return
    if notice is not None:
        hub.publish(notice)

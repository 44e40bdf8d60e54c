"""What each consumed message is about: its subject (the document an alert names), the supplier or
customer involved, documents to link to a case, and extra template fields. Also which messages open or
clear a watch (the input of time rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from contracts import finance, inventory, purchasing, sales
from contracts.envelope import Message

ANOMALY_LABELS_ZH = {
    "overdue": "逾期未到货",
    "short_shipment": "发货短少",
    "short_receipt": "到货短少",
    "over_receipt": "超收",
    "price_mismatch": "价格不符",
    "quality_rejection": "质检拒收",
}


@dataclass(frozen=True)
class Subject:
    type: str
    id: str
    supplier_code: str | None = None
    customer_code: str | None = None
    order_no: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _links(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((kind, ident) for kind, ident in pairs if ident)


def _anomaly(m: purchasing.PurchaseAnomalyRaised) -> Subject:
    return Subject(
        "purchase_order",
        m.po_no,
        supplier_code=m.supplier_code,
        links=_links(("goods_receipt", m.grn_no), ("bill", m.bill_no)),
        extra={"anomaly_label_zh": ANOMALY_LABELS_ZH.get(m.anomaly_type, m.anomaly_type)},
    )


def _po(m: Any) -> Subject:
    return Subject("purchase_order", m.po_no, supplier_code=getattr(m, "supplier_code", None))


def _approval(m: Any) -> Subject:
    return Subject("approval", m.document_no, links=_links((m.document_type, m.document_no)))


def _order_approval(m: Any) -> Subject:
    return Subject(
        "approval",
        m.order_no,
        customer_code=getattr(m, "customer_code", None),
        order_no=m.order_no,
        extra={"document_no": m.order_no},
    )


def _order(m: Any) -> Subject:
    return Subject("sales_order", m.order_no, customer_code=getattr(m, "customer_code", None), order_no=m.order_no)


def _shipment(m: Any) -> Subject:
    return Subject("outbound_order", m.do_no, order_no=m.order_no, links=_links(("sales_order", m.order_no)))


def _invoice(m: Any) -> Subject:
    return Subject(
        "invoice",
        m.invoice_no,
        customer_code=m.customer_code,
        order_no=m.order_no,
        links=_links(("sales_order", m.order_no)),
    )


def _bill(m: Any) -> Subject:
    return Subject(
        "bill",
        m.bill_no,
        supplier_code=m.supplier_code,
        links=_links(("purchase_order", getattr(m, "po_no", None)), ("goods_receipt", getattr(m, "grn_no", None))),
    )


def _stock(m: Any) -> Subject:
    return Subject("product", f"{m.sku}@{m.warehouse_code}")


def _stocktake(m: inventory.StocktakeVarianceDetected) -> Subject:
    return Subject("stocktake", m.stocktake_no, extra={"line_count": len(m.lines)})


def _receipt(m: inventory.GoodsReceived) -> Subject:
    return Subject("goods_receipt", m.grn_no, supplier_code=m.supplier_code, links=_links(("purchase_order", m.po_no)))


def _payment(m: Any) -> Subject:
    return Subject(
        "payment",
        m.payment_no,
        customer_code=getattr(m, "customer_code", None),
        supplier_code=getattr(m, "supplier_code", None),
    )


Extractor = Callable[[Any], Subject | None]

SUBJECTS: dict[type[Message], Extractor] = {
    purchasing.PurchaseAnomalyRaised: _anomaly,
    purchasing.PurchaseOrderApproved: _po,
    purchasing.PurchaseOrderSent: _po,
    purchasing.PurchaseOrderShipped: _po,
    purchasing.PurchaseOrderStatusChanged: _po,
    purchasing.PurchaseOrderClosed: _po,
    purchasing.PurchaseOrderCancelled: _po,
    purchasing.ApprovalRequested: _approval,
    purchasing.ApprovalDecided: _approval,
    purchasing.ApprovalEscalated: _approval,
    purchasing.SupplierUpserted: lambda m: None,
    sales.CustomerUpserted: lambda m: None,
    sales.OrderPlaced: _order,
    sales.OrderConfirmed: _order,
    sales.OrderApprovalRequested: _order_approval,
    sales.OrderApprovalDecided: _order_approval,
    sales.OrderApprovalEscalated: _order_approval,
    sales.OrderStatusChanged: _order,
    sales.OrderRejected: _order,
    sales.OrderCancelled: _order,
    inventory.ShipmentDispatched: _shipment,
    inventory.ShipmentDelivered: _shipment,
    inventory.GoodsReceived: _receipt,
    inventory.StockAvailable: _stock,
    inventory.LowStockDetected: _stock,
    inventory.StocktakeVarianceDetected: _stocktake,
    finance.InvoiceIssued: _invoice,
    finance.InvoiceVoided: _invoice,
    finance.InvoiceOverdue: _invoice,
    finance.DunningReminderIssued: _invoice,
    finance.PaymentAllocated: _invoice,
    finance.OrderSettled: _order,
    finance.CreditRefused: _order,
    finance.BillCreated: _bill,
    finance.BillHeld: _bill,
    finance.BillReleased: _bill,
    finance.SupplierPaymentMade: _payment,
}
EVENT_TYPES: dict[str, type[Message]] = {model.message_type: model for model in SUBJECTS}


# --- watches: what time rules look at -------------------------------------------------------------


@dataclass(frozen=True)
class WatchOpen:
    watch_type: str
    key: str
    subject_type: str
    subject_id: str
    reference_at: datetime
    context: dict[str, Any]


@dataclass(frozen=True)
class WatchClear:
    watch_type: str
    key: str | None = None
    context_field: tuple[str, str] | None = None  # clear every open watch whose context[field] == value


WatchAction = WatchOpen | WatchClear
WATCH_TYPES = ("po_expected", "approval_pending", "order_approval_pending", "invoice_due", "bill_due")


def start_of(day: date, zone: str) -> datetime:
    """Midnight at the start of `day` in the business time zone: the reference of a date watch."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def watch_actions(message: Message, zone: str) -> list[WatchAction]:
    m: Any = message
    match message:
        case purchasing.PurchaseOrderSent():
            ctx = {"po_no": m.po_no, "supplier_code": m.supplier_code, "expected_date": m.expected_date.isoformat()}
            return [WatchOpen("po_expected", m.po_no, "purchase_order", m.po_no, start_of(m.expected_date, zone), ctx)]
        case purchasing.PurchaseOrderClosed() | purchasing.PurchaseOrderCancelled():
            return [WatchClear("po_expected", m.po_no)]
        case purchasing.PurchaseOrderStatusChanged() if m.to_status in ("received", "closed", "cancelled"):
            return [WatchClear("po_expected", m.po_no)]
        case purchasing.ApprovalRequested():
            ctx = {
                "document_no": m.document_no,
                "document_type": m.document_type,
                "level": m.level,
                "approver_role": m.approver_role,
                "amount": str(m.amount),
                "currency": m.currency,
            }
            key = f"{m.document_no}:{m.level}"
            return [WatchOpen("approval_pending", key, "approval", m.document_no, m.requested_at, ctx)]
        case purchasing.ApprovalDecided() | purchasing.ApprovalEscalated():
            return [WatchClear("approval_pending", f"{m.document_no}:{m.level}")]
        case sales.OrderApprovalRequested():
            ctx = {
                "document_no": m.order_no,
                "order_no": m.order_no,
                "customer_code": m.customer_code,
                "level": m.level,
                "approver_role": m.approver_role,
                "amount": str(m.amount),
                "currency": m.currency,
            }
            key = f"{m.order_no}:{m.level}"
            return [WatchOpen("order_approval_pending", key, "approval", m.order_no, m.requested_at, ctx)]
        case sales.OrderApprovalDecided():
            return [WatchClear("order_approval_pending", f"{m.order_no}:{m.level}")]
        case finance.InvoiceIssued():
            ctx = {
                "invoice_no": m.invoice_no,
                "order_no": m.order_no,
                "customer_code": m.customer_code,
                "due_date": m.due_date.isoformat(),
                "amount": str(m.totals.gross),
                "currency": m.currency,
            }
            return [WatchOpen("invoice_due", m.invoice_no, "invoice", m.invoice_no, start_of(m.due_date, zone), ctx)]
        case finance.PaymentAllocated() if m.invoice_status == "paid":
            return [WatchClear("invoice_due", m.invoice_no)]
        case finance.InvoiceVoided():
            return [WatchClear("invoice_due", m.invoice_no)]
        case finance.OrderSettled():
            return [WatchClear("invoice_due", context_field=("order_no", m.order_no))]
        case finance.BillCreated():
            ctx = {
                "bill_no": m.bill_no,
                "supplier_code": m.supplier_code,
                "po_no": m.po_no,
                "due_date": m.due_date.isoformat(),
                "amount": str(m.totals.gross),
                "currency": m.currency,
            }
            return [WatchOpen("bill_due", m.bill_no, "bill", m.bill_no, start_of(m.due_date, zone), ctx)]
        case finance.SupplierPaymentMade():
            return [WatchClear("bill_due", a.bill_no) for a in m.allocations]
    return []

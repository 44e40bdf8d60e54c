"""The topic registry: which topic carries which messages, their Kafka key, and payload parsing.

Every message type lives on exactly one topic, and every message on a topic is keyed by the same payload
field, so one business object (an order, a PO, a sku) always lands on one partition, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError, create_model

from contracts import analytics, finance, inventory, notifier, purchasing, sales
from contracts.envelope import Envelope, Message
from contracts.errors import ContractError

SERVICES: tuple[str, ...] = ("purchasing", "sales", "inventory", "finance", "notifier", "analytics")
BUSINESS_PARTITIONS = 6
DEAD_LETTER_PARTITIONS = 1

# Retention (topic configs, applied where topics are created: deploy/local/ensure_topics.py). Business events are
# kept forever, so a new subscriber (analytics) can build its read model from the first event on, and rebuild it;
# master data (one current record per key) is compacted: the latest record per key is kept forever. Saga
# commands are requests whose outcome the reply events record: a week. Dead letters: until someone replays them,
# 30 days. See docs/analytics.md.
KEEP_FOREVER: dict[str, str] = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
COMPACTED: dict[str, str] = {"cleanup.policy": "compact", "retention.ms": "-1", "retention.bytes": "-1"}
COMMANDS_RETENTION: dict[str, str] = {"cleanup.policy": "delete", "retention.ms": str(7 * 24 * 3600 * 1000)}
DEAD_LETTER_RETENTION: dict[str, str] = {"cleanup.policy": "delete", "retention.ms": str(30 * 24 * 3600 * 1000)}


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    partitions: int
    description: str
    messages: tuple[type[Message], ...]
    config: tuple[tuple[str, str], ...] = tuple(KEEP_FOREVER.items())

    @property
    def producer(self) -> str:
        """The service that publishes on the topic (for `dlq.*`, the service whose consumers failed).

        Command topics are named after the service they address, but published by the sender: the producer is
        the service module that defines the messages.
        """
        if not self.messages:
            return self.name.removeprefix("dlq.")
        return self.messages[0].__module__.rsplit(".", 1)[-1]


def _topic(
    name: str, key: str, description: str, *messages: type[Message], config: dict[str, str] = KEEP_FOREVER
) -> Topic:
    return Topic(name, key, BUSINESS_PARTITIONS, description, messages, tuple(config.items()))


def dead_letter_topic(service: str) -> str:
    """The dead-letter topic of a service: records its consumers could not process, with the reason."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
    return f"dlq.{service}"


TOPICS: tuple[Topic, ...] = (
    _topic("sales.customers", "customer_code", "Customer master data.", sales.CustomerUpserted, config=COMPACTED),
    _topic(
        "sales.orders",
        "order_no",
        "Sales order events: placement, approval, state changes, confirmation, rejection, cancellation, voids, "
        "returns.",
        sales.OrderPlaced,
        sales.OrderApprovalRequested,
        sales.OrderApprovalDecided,
        sales.OrderApprovalEscalated,
        sales.OrderStatusChanged,
        sales.OrderConfirmed,
        sales.OrderRejected,
        sales.OrderCancelled,
        sales.OrderAmended,
        sales.OrderVoided,
        sales.ReturnAuthorized,
    ),
    _topic(
        "inventory.commands",
        "order_no",
        "Saga commands to inventory (sent by sales); replies come on inventory.fulfillment.",
        sales.ReserveStock,
        sales.ReleaseStock,
        sales.AdjustReservation,
        config=COMMANDS_RETENTION,
    ),
    _topic("inventory.products", "sku", "Product master data.", inventory.ProductUpserted, config=COMPACTED),
    _topic(
        "inventory.fulfillment",
        "order_no",
        "Inventory's side of a sales order: reservation replies, outbound orders, commitment, shipment, returns "
        "received.",
        inventory.StockReserved,
        inventory.StockReservationFailed,
        inventory.StockReleased,
        inventory.ReservationAdjusted,
        inventory.ReservationAdjustmentFailed,
        inventory.OutboundOrderCreated,
        inventory.OutboundOrderCancelled,
        inventory.OutboundOrderPicked,
        inventory.OutboundOrderUnpicked,
        inventory.StockCommitted,
        inventory.ShipmentDispatched,
        inventory.ShipmentDelivered,
        inventory.ReturnReceived,
    ),
    _topic("inventory.receipts", "grn_no", "Posted goods receipts (入库).", inventory.GoodsReceived),
    _topic(
        "inventory.stock",
        "sku",
        "Stock level events per sku: adjustments, availability (wakes backorders), low stock, valuations.",
        inventory.StockAdjusted,
        inventory.StockValued,
        inventory.StockAvailable,
        inventory.LowStockDetected,
    ),
    _topic(
        "inventory.stocktakes",
        "stocktake_no",
        "Stocktake (盘点) events.",
        inventory.StocktakeVarianceDetected,
    ),
    _topic(
        "finance.commands",
        "order_no",
        "Saga commands to finance (sent by sales); replies come on finance.receivables.",
        sales.CheckCredit,
        sales.VoidOrderSettlement,
        config=COMMANDS_RETENTION,
    ),
    _topic(
        "finance.receivables",
        "order_no",
        "Finance's side of a sales order: credit replies, invoices, dunning, payments, settlement.",
        finance.CreditApproved,
        finance.CreditRefused,
        finance.SettlementVoided,
        finance.InvoiceIssued,
        finance.InvoiceVoided,
        finance.CreditNoteIssued,
        finance.InvoiceOverdue,
        finance.DunningReminderIssued,
        finance.PaymentAllocated,
        finance.OrderSettled,
    ),
    _topic("finance.customer-payments", "customer_code", "Customer payments received.", finance.PaymentReceived),
    _topic(
        "finance.payables",
        "supplier_code",
        "Payables (应付): bills, three-way-match holds, supplier payments.",
        finance.BillCreated,
        finance.BillHeld,
        finance.BillReleased,
        finance.SupplierPaymentMade,
    ),
    _topic(
        "purchasing.suppliers", "supplier_code", "Supplier master data.", purchasing.SupplierUpserted, config=COMPACTED
    ),
    _topic(
        "purchasing.requisitions",
        "pr_no",
        "Purchase requisition (采购申请) events.",
        purchasing.RequisitionSubmitted,
        purchasing.RequisitionApproved,
        purchasing.RequisitionRejected,
        purchasing.RequisitionOrdered,
        purchasing.RequisitionCancelled,
    ),
    _topic(
        "purchasing.orders",
        "po_no",
        "Purchase order events and anomalies (异常预警).",
        purchasing.PurchaseOrderApproved,
        purchasing.PurchaseOrderSent,
        purchasing.PurchaseOrderShipped,
        purchasing.PurchaseOrderStatusChanged,
        purchasing.PurchaseOrderClosed,
        purchasing.PurchaseOrderCancelled,
        purchasing.PurchaseAnomalyRaised,
    ),
    _topic(
        "purchasing.approvals",
        "document_no",
        "Multi-level approvals (多级审批) of requisitions and purchase orders.",
        purchasing.ApprovalRequested,
        purchasing.ApprovalDecided,
        purchasing.ApprovalEscalated,
    ),
    _topic("notifier.alerts", "alert_id", "Alerts raised by notification rules.", notifier.AlertRaised),
    _topic(
        "notifier.cases",
        "case_no",
        "Exception case (异常单) workflow events.",
        notifier.ExceptionCaseOpened,
        notifier.ExceptionCaseAssigned,
        notifier.ExceptionCaseEscalated,
        notifier.ExceptionCaseResolved,
        notifier.ExceptionCaseClosed,
    ),
    _topic(
        "analytics.supplier-scores",
        "supplier_code",
        "Supplier scorecard scores (the latest per supplier counts; purchasing's sourcing ranks by it).",
        analytics.SupplierScored,
        config=COMPACTED,
    ),
    *(
        Topic(
            dead_letter_topic(service),
            "the original record's key",
            DEAD_LETTER_PARTITIONS,
            f"Records the {service} service could not process: the original envelope, unchanged, with the "
            "failure in the dlq-* headers. Replay by publishing the envelope to its original topic.",
            (),
            tuple(DEAD_LETTER_RETENTION.items()),
        )
        for service in SERVICES
    ),
)


def _index() -> tuple[dict[type[Message], Topic], dict[tuple[str, int], type[Message]]]:
    topics: dict[type[Message], Topic] = {}
    models: dict[tuple[str, int], type[Message]] = {}
    for topic in TOPICS:
        for model in topic.messages:
            if model in topics:
                raise RuntimeError(f"{model.__name__} is on {topics[model].name} and {topic.name}")
            ident = (model.message_type, model.version)
            if ident in models:
                raise RuntimeError(f"{ident} is defined twice")
            topics[model] = topic
            models[ident] = model
    return topics, models


_TOPIC_OF, _MODEL_OF = _index()


def topic_of(message: type[Message] | Message) -> Topic:
    """The one topic a message type is published on. KeyError for an unregistered type."""
    model = message if isinstance(message, type) else type(message)
    try:
        return _TOPIC_OF[model]
    except KeyError:
        raise KeyError(f"{model.__name__} is not on any topic") from None


def topic_named(name: str) -> Topic:
    for topic in TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(f"no topic named {name!r}")


def model_of(message_type: str, version: int) -> type[Message]:
    """The model of `(message_type, version)`. KeyError if unknown."""
    try:
        return _MODEL_OF[(message_type, version)]
    except KeyError:
        raise KeyError(f"unknown message type {message_type} v{version}") from None


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "payload"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_payload(envelope: Envelope) -> Message:
    """The validated message inside an envelope. ContractError with a readable reason when it cannot be."""
    ident = f"{envelope.type} v{envelope.version}"
    try:
        model = model_of(envelope.type, envelope.version)
    except KeyError:
        raise ContractError(
            f"unknown message type {ident}", message_type=envelope.type, version=envelope.version
        ) from None
    try:
        message = model.model_validate(envelope.payload)
    except ValidationError as error:
        raise ContractError(
            f"invalid {ident} payload: {_describe(error)}",
            message_type=envelope.type,
            version=envelope.version,
        ) from error
    if message.key() != envelope.key:
        raise ContractError(
            f"{ident}: envelope key {envelope.key!r} != payload {model.key_field} {message.key()!r}",
            message_type=envelope.type,
            version=envelope.version,
        )
    return message


_TYPED_ENVELOPES: dict[tuple[str, int], type[Envelope]] = {}


def _typed_envelope(message_type: str, version: int) -> type[Envelope] | None:
    """An Envelope whose payload is validated as the message model itself (cached per type and version)."""
    ident = (message_type, version)
    typed = _TYPED_ENVELOPES.get(ident)
    if typed is None:
        model = _MODEL_OF.get(ident)
        if model is None:
            return None
        typed = create_model(f"{model.__name__}Envelope", __base__=Envelope, payload=(model, ...))
        _TYPED_ENVELOPES[ident] = typed
    return typed


def parse_typed(raw: bytes | str, message_type: str, version: int) -> tuple[Envelope, Message] | None:
    """Envelope and message from a record whose type and version are known before its body is read (from its
    headers), validated in one pass: the payload goes straight into the message model instead of into a dict
    first and into the model after (`Envelope.model_validate_json` + `parse_payload`, a third to a half more CPU
    per message). The envelope returned carries the message itself as its `payload`. None when anything about the
    record is not as its headers say, or not valid: the caller then reads it the two-pass way, whose errors say
    what is wrong."""
    typed = _typed_envelope(message_type, version)
    if typed is None:
        return None
    try:
        envelope = typed.model_validate_json(raw)
    except ValidationError:
        return None
    message: Message = envelope.payload  # type: ignore[assignment]
    if envelope.type != message_type or envelope.version != version or message.key() != envelope.key:
        return None
    return envelope, message

"""Value types and small models shared by the messages of several services.

Money and quantities are `Decimal`, never float. On the wire they are JSON strings in fixed-point notation
(`"1250.00"`, never `"1.25E+3"`), so every consumer reads the exact value; the JSON Schema gives the
pattern.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)


class ContractModel(BaseModel):
    """Base of the value objects inside messages: immutable. Unknown fields are ignored (tolerant reader), so a
    producer that adds an optional field does not break consumers still on the older contract."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def _fixed_point(value: Decimal) -> str:
    return format(value, "f")


def _decimal_wire(pattern: str, description: str) -> tuple[PlainSerializer, WithJsonSchema]:
    return (
        PlainSerializer(_fixed_point, return_type=str, when_used="json"),
        WithJsonSchema({"type": "string", "pattern": pattern, "description": description}),
    )


_MONEY_WIRE = _decimal_wire(r"^-?\d{1,16}(\.\d{1,2})?$", "decimal amount, at most 2 decimal places")
_NON_NEGATIVE_MONEY_WIRE = _decimal_wire(r"^\d{1,16}(\.\d{1,2})?$", "decimal amount >= 0, at most 2 places")
_POSITIVE_MONEY_WIRE = _decimal_wire(r"^(?=.*[1-9])\d{1,16}(\.\d{1,2})?$", "decimal amount > 0, at most 2 places")
_UNIT_COST_WIRE = _decimal_wire(r"^\d{1,14}(\.\d{1,4})?$", "decimal unit cost >= 0, at most 4 decimal places")
_QUANTITY_WIRE = _decimal_wire(r"^-?\d{1,12}(\.\d{1,3})?$", "decimal quantity, at most 3 decimal places")
_NON_NEGATIVE_QUANTITY_WIRE = _decimal_wire(r"^\d{1,12}(\.\d{1,3})?$", "decimal quantity >= 0, at most 3 places")
_POSITIVE_QUANTITY_WIRE = _decimal_wire(r"^(?=.*[1-9])\d{1,12}(\.\d{1,3})?$", "decimal quantity > 0, at most 3 places")
_RATE_WIRE = _decimal_wire(r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$", "decimal fraction 0..1, at most 4 places")
_PERCENT_WIRE = _decimal_wire(r"^(\d{1,2}(\.\d{1,2})?|100(\.0{1,2})?)$", "decimal percentage 0..100, 2 places")

Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2), *_MONEY_WIRE]
"""An amount in the message's currency, 2 decimal places (rounded half-up to cents); may be negative."""
NonNegativeMoney = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2), *_NON_NEGATIVE_MONEY_WIRE]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2), *_POSITIVE_MONEY_WIRE]
UnitCost = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4), *_UNIT_COST_WIRE]
"""A unit cost (moving average or PO price), 4 decimal places."""
Quantity = Annotated[Decimal, Field(max_digits=15, decimal_places=3), *_QUANTITY_WIRE]
"""A signed quantity (a delta or a variance), up to 3 decimal places."""
NonNegativeQuantity = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3), *_NON_NEGATIVE_QUANTITY_WIRE]
PositiveQuantity = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3), *_POSITIVE_QUANTITY_WIRE]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4), *_RATE_WIRE]
"""A fraction: tax rate 0.13 = 13 %, discount 0.05 = 5 % off."""
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2), *_PERCENT_WIRE]
"""A percentage 0..100 (tolerances, thresholds, scores): 5 = 5 %."""

DEFAULT_CURRENCY = "CNY"
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["CNY"], description="ISO 4217 code")]


def _document_no(prefix: str) -> Any:
    return Field(
        pattern=rf"^{prefix}-\d{{4}}-\d{{1,12}}$",
        examples=[f"{prefix}-2026-000001"],
        description=f"document number: {prefix}-<year>-<sequence>",
    )


OrderNo = Annotated[str, _document_no("SO")]
RequisitionNo = Annotated[str, _document_no("PR")]
PurchaseOrderNo = Annotated[str, _document_no("PO")]
GoodsReceiptNo = Annotated[str, _document_no("GRN")]
DeliveryOrderNo = Annotated[str, _document_no("DO")]
InvoiceNo = Annotated[str, _document_no("INV")]
BillNo = Annotated[str, _document_no("BILL")]
PaymentNo = Annotated[str, _document_no("PAY")]
CaseNo = Annotated[str, _document_no("EXC")]
CreditNoteNo = Annotated[str, _document_no("CN")]
ReturnNo = Annotated[str, _document_no("RMA")]

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
"""A master-data code: customer, supplier, warehouse, sku. No spaces."""
DocumentRef = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")]
"""Another system's or a free-form document reference (stocktake no, ASN, supplier invoice no, batch no)."""
Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
UserId = Annotated[str, Field(min_length=1, max_length=128, description="the JWT `sub` of a user")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Barcode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")]
LineNo = Annotated[int, Field(ge=1, description="line number within its document, from 1")]
PaymentTermsDays = Annotated[int, Field(ge=0, le=365, description="days from invoice/bill date to due date")]
Priority = Annotated[int, Field(ge=0, le=9, description="allocation priority: 9 is served first, 5 is normal")]
DEFAULT_PRIORITY = 5

Channel = Literal["web", "email", "wechat", "app", "phone", "api"]
Severity = Literal["info", "warning", "critical"]
Role = Literal[
    "admin",
    "purchaser",
    "purchasing_manager",
    "sales",
    "sales_manager",
    "warehouse",
    "finance",
    "finance_manager",
    "auditor",
]
ROLES: tuple[str, ...] = get_args(Role)  # the same, as values (who may call what: servicekit.auth, the gateway)
SalesOrderStatus = Literal[
    "pending",
    "pending_approval",
    "reserving",
    "awaiting_credit",
    "confirmed",
    "partially_shipped",
    "shipped",
    "delivered",
    "invoiced",
    "paid",
    "closed",
    "rejected",
    "backordered",
    "cancelled",
]
PurchaseOrderStatus = Literal[
    "draft",
    "pending_approval",
    "approved",
    "sent",
    "shipped",
    "partially_received",
    "received",
    "closed",
    "cancelled",
]
PaymentMethod = Literal["bank_transfer", "cash", "card", "alipay", "wechat_pay", "cheque", "offset", "other"]


class _HasLineNo(Protocol):
    @property
    def line_no(self) -> int: ...


_L = TypeVar("_L", bound=_HasLineNo)


def unique_line_nos(lines: list[_L]) -> list[_L]:
    seen = [line.line_no for line in lines]
    if len(seen) != len(set(seen)):
        raise ValueError("line_no values must be unique")
    return lines


class Amounts(ContractModel):
    """Totals of a document: `gross = net + tax`, each already rounded to cents."""

    net: Money
    tax: Money
    gross: Money

    @model_validator(mode="after")
    def _gross_is_net_plus_tax(self) -> Amounts:
        if self.net + self.tax != self.gross:
            raise ValueError(f"gross {self.gross} != net {self.net} + tax {self.tax}")
        return self


class Address(ContractModel):
    name: Name | None = None
    phone: ShortText | None = None
    line1: ShortText
    line2: ShortText | None = None
    city: ShortText
    province: ShortText | None = None
    postal_code: ShortText | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "CN"


class OrderLine(ContractModel):
    """A priced sales order line.

    Line net = qty × unit_price × (1 − discount), tax = net × tax_rate, each rounded half-up to cents.
    """

    line_no: LineNo
    sku: Code
    qty: PositiveQuantity
    unit_price: NonNegativeMoney
    discount: Rate = Field(default=Decimal("0"), description="fraction taken off: 0.1 = 10 % off")
    tax_rate: Rate = Decimal("0")


OrderLines = Annotated[list[OrderLine], Field(min_length=1), AfterValidator(unique_line_nos)]


class StockLine(ContractModel):
    """A quantity of one sku for one document line."""

    line_no: LineNo
    sku: Code
    qty: PositiveQuantity


StockLines = Annotated[list[StockLine], Field(min_length=1), AfterValidator(unique_line_nos)]


class ReservedLine(ContractModel):
    """Stock held for one order line in one warehouse; a line reserved in two warehouses has two entries."""

    line_no: LineNo
    sku: Code
    warehouse_code: Code
    qty: PositiveQuantity


class ShortageLine(ContractModel):
    """What one order line lacks: `qty_requested` wanted, `qty_available` could be reserved."""

    line_no: LineNo
    sku: Code
    qty_requested: PositiveQuantity
    qty_available: NonNegativeQuantity

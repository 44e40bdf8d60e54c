"""Messages on the wire: envelope round trips, exact decimals, readable contract errors."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import ContractError, Envelope, Message, parse_payload, parse_typed
from contracts.common import Amounts
from contracts.examples import EXAMPLES, example
from contracts.finance import PaymentReceived
from contracts.inventory import GoodsReceived, ReceiptLine
from contracts.sales import OrderPlaced


def _over_the_wire(message: Message) -> Envelope:
    raw = Envelope.wrap(message, producer="test").model_dump_json().encode()
    return Envelope.model_validate_json(raw)


def _invalid(message: Message, **changes: Any) -> Envelope:
    envelope = Envelope.wrap(message, producer="test")
    return envelope.model_copy(update={"payload": {**envelope.payload, **changes}})


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_round_trip_gives_an_equal_message(message: Message) -> None:
    envelope = _over_the_wire(message)
    assert envelope.type == message.message_type
    assert envelope.key == message.key() == envelope.correlation_id
    parsed = parse_payload(envelope)
    assert type(parsed) is type(message)
    assert parsed == message


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_one_pass_parse_gives_what_the_two_pass_parse_gives(message: Message) -> None:
    raw = Envelope.wrap(message, producer="test").model_dump_json().encode()
    parsed = parse_typed(raw, message.message_type, message.version)
    assert parsed is not None
    envelope, typed = parsed
    two_pass = Envelope.model_validate_json(raw)
    assert type(typed) is type(message) and typed == parse_payload(two_pass) == message
    assert isinstance(envelope, Envelope)
    for field in ("event_id", "type", "version", "occurred_at", "producer", "correlation_id", "causation_id", "key"):
        assert getattr(envelope, field) == getattr(two_pass, field)


def test_one_pass_parse_leaves_to_the_two_pass_parse_what_is_not_as_the_headers_say() -> None:
    """None (read it the two-pass way, whose errors tell what is wrong) for: another type or version than the
    headers name, an unknown one, an invalid payload or envelope, a key that is not the payload's."""
    placed = example(OrderPlaced)
    raw = Envelope.wrap(placed, producer="test").model_dump_json().encode()
    assert parse_typed(raw, "OrderPlaced", 1) is not None
    assert parse_typed(raw, "OrderConfirmed", 1) is None
    assert parse_typed(raw, "OrderPlaced", 7) is None
    assert parse_typed(raw, "OrderTeleported", 1) is None
    assert parse_typed(b"{not json", "OrderPlaced", 1) is None
    for changed in (
        _invalid(placed, currency="yen"),
        Envelope.wrap(placed, producer="test").model_copy(update={"key": "SO-2026-999999"}),
    ):
        assert parse_typed(changed.model_dump_json().encode(), "OrderPlaced", 1) is None


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value] if isinstance(value, float) else []


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_no_float_ever_reaches_the_wire(message: Message) -> None:
    assert _numbers(json.loads(Envelope.wrap(message, producer="test").model_dump_json())) == []


def test_decimals_keep_their_exact_value() -> None:
    placed = example(OrderPlaced)
    line = placed.lines[1].model_copy(update={"qty": Decimal("0.001"), "unit_price": Decimal("0.10")})
    message = placed.model_copy(update={"lines": [placed.lines[0], line]})
    wire = json.loads(Envelope.wrap(message, producer="test").model_dump_json())
    assert wire["payload"]["lines"][1]["qty"] == "0.001"
    assert wire["payload"]["lines"][1]["unit_price"] == "0.10"
    assert wire["payload"]["totals"] == {"net": "475.00", "tax": "61.75", "gross": "536.75"}
    parsed = parse_payload(_over_the_wire(message))
    assert isinstance(parsed, OrderPlaced)
    assert parsed.lines[1].qty == Decimal("0.001")
    assert str(parsed.lines[1].unit_price) == "0.10"
    assert sum(Decimal(v) for v in ("0.1", "0.2")) == parsed.lines[0].discount + Decimal("0.2")


def test_decimals_travel_in_fixed_point() -> None:
    totals = Amounts(net=Decimal("1E+2"), tax=Decimal("13"), gross=Decimal("113"))
    assert json.loads(totals.model_dump_json()) == {"net": "100", "tax": "13", "gross": "113"}


def test_invalid_payload_names_the_field() -> None:
    placed = example(OrderPlaced)
    bad_line = {**placed.lines[0].model_dump(mode="json"), "qty": "-1"}
    with pytest.raises(ContractError) as caught:
        parse_payload(_invalid(placed, lines=[bad_line], customer_code=None))
    assert isinstance(caught.value, ValueError)
    assert "OrderPlaced v1" in caught.value.reason
    assert "lines.0.qty" in caught.value.reason
    assert "customer_code" in caught.value.reason
    assert caught.value.message_type == "OrderPlaced"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"totals": {"net": "1.005", "tax": "0", "gross": "1.005"}}, "totals.net"),
        ({"channel": "fax"}, "channel"),
        ({"placed_at": "2026-03-02T09:30:00"}, "placed_at"),
        ({"order_no": "SO-1"}, "order_no"),
        ({"lines": []}, "lines"),
    ],
)
def test_contract_violations_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ContractError, match=field):
        parse_payload(_invalid(example(OrderPlaced), **changes))


def test_unknown_fields_are_ignored_so_additive_changes_deploy_safely() -> None:
    parsed = parse_payload(_invalid(example(OrderPlaced), surprise=1))
    assert parsed == example(OrderPlaced)


def test_unknown_type_or_version_is_a_contract_error() -> None:
    envelope = Envelope.wrap(example(OrderPlaced), producer="test")
    with pytest.raises(ContractError, match="unknown message type OrderPlaced v7"):
        parse_payload(envelope.model_copy(update={"version": 7}))
    with pytest.raises(ContractError, match="unknown message type OrderTeleported"):
        parse_payload(envelope.model_copy(update={"type": "OrderTeleported"}))


def test_envelope_key_must_match_the_payload() -> None:
    envelope = Envelope.wrap(example(OrderPlaced), producer="test")
    with pytest.raises(ContractError, match="envelope key"):
        parse_payload(envelope.model_copy(update={"key": "SO-2026-999999"}))


def test_documents_must_add_up() -> None:
    with pytest.raises(ValidationError, match="gross"):
        Amounts(net=Decimal("10.00"), tax=Decimal("1.30"), gross=Decimal("11.29"))
    line = example(GoodsReceived).lines[0]
    with pytest.raises(ValidationError, match="qty_received"):
        ReceiptLine.model_validate({**line.model_dump(), "qty_rejected": Decimal("3")})
    payment = example(PaymentReceived)
    with pytest.raises(ValidationError, match="allocations"):
        PaymentReceived.model_validate({**payment.model_dump(), "unallocated": Decimal("0")})
    with pytest.raises(ValidationError, match="reason"):
        GoodsReceived.model_validate({**example(GoodsReceived).model_dump(), "po_no": None})


def test_line_numbers_are_unique() -> None:
    placed = example(OrderPlaced)
    with pytest.raises(ValidationError, match="line_no values must be unique"):
        OrderPlaced.model_validate({**placed.model_dump(), "lines": [placed.lines[0], placed.lines[0]]})


def test_messages_are_immutable_and_times_aware() -> None:
    placed = example(OrderPlaced)
    with pytest.raises(ValidationError):
        placed.order_no = "SO-2026-000002"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="timezone"):
        OrderPlaced.model_validate({**placed.model_dump(), "placed_at": datetime(2026, 3, 2, 9, 30)})

"""Rule conditions on an event's payload: `{"path": "lines.qty", "op": "gt", "value": "0"}`.

Paths are dotted; a numeric segment indexes a list, any other segment applied to a list looks into every
element (the condition holds if it holds for one of them). Numbers compare as `Decimal`, never float: the
ordering operators always do, `eq`/`ne`/`in` do when the rule's value is a number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists"]
OPS: tuple[str, ...] = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists")
_MISSING = object()


def resolve(data: Any, path: str) -> list[Any]:
    """Every value found at `path` (several when the path crosses a list)."""
    values = [data]
    for part in path.split(".") if path else []:
        found: list[Any] = []
        for value in values:
            found.extend(_step(value, part))
        values = found
    return values


def _step(value: Any, part: str) -> Iterable[Any]:
    if isinstance(value, Mapping):
        return [value[part]] if part in value else []
    if isinstance(value, list | tuple):
        if part.lstrip("-").isdigit():
            index = int(part)
            return [value[index]] if -len(value) <= index < len(value) else []
        return [item for element in value for item in _step(element, part)]
    return []


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _equal(actual: Any, expected: Any) -> bool:
    if _is_number(expected):
        a, b = to_decimal(actual), to_decimal(expected)
        return a is not None and b is not None and a == b
    return bool(actual == expected)


def _ordered(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        a, b = to_decimal(actual), to_decimal(expected)
        return a is not None and b is not None and compare(a, b)

    return check


def _in(actual: Any, expected: Any) -> bool:
    return isinstance(expected, list) and any(_equal(actual, option) for option in expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list | tuple):
        return any(_equal(item, expected) for item in actual)
    return False


_CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _equal,
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
    "in": _in,
    "contains": _contains,
}


def holds(condition: Mapping[str, Any], data: Any) -> bool:
    op, path, expected = condition["op"], condition["path"], condition.get("value")
    values = resolve(data, path)
    if op == "exists":
        present = any(v is not None for v in values)
        return present if expected is None or expected is True else not present
    if op == "ne":
        # "no value at the path equals it": a missing field is not equal to anything.
        return all(not _equal(v, expected) for v in values)
    check = _CHECKS[op]
    return any(check(v, expected) for v in values)


def all_hold(conditions: Sequence[Mapping[str, Any]], data: Any) -> bool:
    return all(holds(c, data) for c in conditions)

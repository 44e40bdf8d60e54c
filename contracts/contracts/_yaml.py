"""A tiny deterministic YAML emitter for JSON-like data, so the package needs no YAML library at runtime.

Strings are always double-quoted with JSON escapes (valid YAML), so no value is ever read back as a number,
a boolean or a date. Floats are refused: the documents we emit have none, and their YAML forms are ambiguous.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_RESERVED = {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, not {key!r}")
    if _PLAIN_KEY.match(key) and key.lower() not in _RESERVED:
        return key
    return json.dumps(key, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if value == {} or value == []:
        return json.dumps(value)
    raise TypeError(f"cannot emit {type(value).__name__} {value!r}")


def _is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and len(value) > 0


def _block(value: dict[str, Any] | list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if _is_block(item):
                lines.append(f"{pad}{_key(key)}:")
                lines.extend(_block(item, indent + 2))
            else:
                lines.append(f"{pad}{_key(key)}: {_scalar(item)}")
        return lines
    for item in value:
        if _is_block(item):
            nested = _block(item, indent + 2)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines


def dump(data: dict[str, Any] | list[Any], *, sort_keys: bool = True) -> str:
    if sort_keys:
        data = json.loads(json.dumps(data, sort_keys=True))
    if not _is_block(data):
        return _scalar(data) + "\n"
    return "\n".join(_block(data, 0)) + "\n"

"""A file against a kind: headers mapped to columns (Chinese or English), every row validated by the kind's
model, every error kept as (row, column, value, reason), duplicates of the business key refused. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from servicekit.tabular.kinds import LIST_SEPARATORS, Column, ImportKind, RowError, ValidRow
from servicekit.tabular.reading import RawTable

_TRUE = {"true", "1", "yes", "y", "是", "对", "启用", "t"}
_FALSE = {"false", "0", "no", "n", "否", "停用", "f"}


def normalise_header(text: str) -> str:
    return re.sub(r"[\s*_（）()]+", "", text).lower()


def header_names(column: Column) -> set[str]:
    return {normalise_header(n) for n in (column.key, column.zh, column.en, column.header)}


@dataclass
class Validated:
    rows: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    def sort(self) -> None:
        self.errors.sort(key=lambda e: e.row)


def map_headers(kind: ImportKind, headers: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    """Which file column holds which kind column; errors for missing required, unknown and repeated headers."""
    by_name: dict[str, Column] = {}
    for column in kind.columns:
        for name in header_names(column):
            by_name[name] = column
    mapped: dict[int, Column] = {}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        found = by_name.get(normalise_header(header))
        if found is None:
            errors.append(RowError(1, header, header, "unknown column; see the template for the accepted headers"))
        elif found.key in seen:
            errors.append(RowError(1, header, header, f"column given twice (also column {seen[found.key] + 1})"))
        else:
            seen[found.key] = index
            mapped[index] = found
    for column in kind.columns:
        if column.required and column.key not in seen:
            errors.append(RowError(1, column.header, None, "required column missing"))
    return mapped, errors


def _cell(column: Column, value: str) -> Any:
    if column.kind == "list":
        return [v.strip() for v in LIST_SEPARATORS.split(value) if v.strip()]
    if column.kind == "bool":
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    if column.kind in ("number", "integer"):
        return value.replace(",", "").replace("，", "").strip()
    return value


def validate(kind: ImportKind, table: RawTable) -> Validated:
    mapped, header_errors = map_headers(kind, table.headers)
    result = Validated(total=len(table.rows))
    if header_errors:
        result.errors = header_errors
        return result
    headers = table.headers
    keys: dict[Hashable, int] = {}
    for offset, cells in enumerate(table.rows):
        row_no = offset + 2
        if not any(c is not None for c in cells):
            continue  # a blank line inside the data
        values: dict[str, Any] = {}
        raw: dict[str, tuple[str, str | None]] = {}
        for index, column in mapped.items():
            text = cells[index] if index < len(cells) else None
            raw[column.key] = (headers[index], text)
            if text is not None:
                values[column.key] = _cell(column, text)
        try:
            model = kind.row_model.model_validate(values)
        except ValidationError as exc:
            for e in exc.errors():
                key = str(e["loc"][0]) if e["loc"] else ""
                header, text = raw.get(key, (key or "-", None))
                result.errors.append(RowError(row_no, header, text, e["msg"]))
            continue
        business_key = kind.key(model)
        first = keys.setdefault(business_key, row_no)
        if first != row_no:
            label = kind.key_label or "key"
            result.errors.append(
                RowError(row_no, label, _key_text(business_key), f"duplicate {label} in the file (row {first})")
            )
            continue
        result.rows.append(_valid(row_no, model))
    if kind.file_check is not None and not result.errors:
        result.errors.extend(kind.file_check(result.rows))
    result.sort()
    return result


def _valid(row_no: int, model: Any) -> ValidRow:
    return ValidRow(row_no, model)


def _key_text(key: Hashable) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)

"""What an owning service declares for one import kind: its columns (Chinese and English headers), the pydantic
model of a row, its business key, the whole-file checks that need the database, and how to store the rows."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.tabular.export import ExportColumn

if TYPE_CHECKING:
    from servicekit.runtime import Runtime

Mode = Literal["insert", "update", "upsert"]
MODES: tuple[Mode, ...] = ("insert", "update", "upsert")
CellKind = Literal["text", "code", "number", "integer", "date", "bool", "list"]
LIST_SEPARATORS = re.compile(r"[;|,，；、\n]+")


@dataclass(frozen=True)
class Column:
    """One column of a kind's file. `key` is the row model's field; `zh` and `en` the headers accepted (and
    written in templates and exports); `choices` (coded columns) become a dropdown in the template."""

    key: str
    zh: str
    en: str
    required: bool = False
    kind: CellKind = "text"
    choices: tuple[str, ...] = ()
    example: str = ""
    note: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row (the header is row 1)
    column: str  # the header as written in the file, or the column's header when it is missing
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ValidRow:
    row: int
    data: BaseModel


@dataclass
class ImportContext:
    """What a kind's check and apply get: the transaction, the service, who imports, how and when."""

    session: AsyncSession
    runtime: Runtime[Any]
    actor: str
    mode: Mode
    job_id: str
    now: datetime


Check = Callable[[ImportContext, Sequence[ValidRow]], Awaitable[list[RowError]]]
Apply = Callable[[ImportContext, Sequence[ValidRow]], Awaitable[int]]
FileCheck = Callable[[Sequence[ValidRow]], list[RowError]]


async def _no_check(_: ImportContext, __: Sequence[ValidRow]) -> list[RowError]:
    return []


@dataclass(frozen=True)
class ImportKind:
    """One kind of import, declared by the service that owns the data."""

    name: str  # in URLs: /imports/{name}
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    row_model: type[BaseModel]
    key: Callable[[BaseModel], Hashable]  # the business key: duplicates inside the file are refused
    apply: Apply  # stores the valid rows in the job's transaction (outbox rows included); returns rows stored
    roles: tuple[str, ...]  # who may import (admin always may)
    check: Check = _no_check  # batched lookups: references exist, mode agrees with what is stored
    file_check: FileCheck | None = None  # totals that must agree across rows
    modes: tuple[Mode, ...] = MODES
    key_label: str = ""  # how the key is named in a duplicate's reason, e.g. "sku"
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def export_columns(
        self,
        *extra: ExportColumn,
        values: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
        omit: Sequence[str] = (),
    ) -> tuple[ExportColumn, ...]:
        """The kind's columns as a list export's, so that an export is a filled-in template: each column read
        from the row by its key, or by `values[key]` (a stored row shaped otherwise than the file); `omit` leaves
        some out, `extra` columns come after them."""
        values = values or {}
        own = tuple(ExportColumn(c.key, c.zh, c.en, values.get(c.key)) for c in self.columns if c.key not in omit)
        return own + extra

"""Lists out as files: CSV (UTF-8 with BOM, for Excel on Chinese Windows) or .xlsx, streamed.

Rows come from a server-side cursor (`export_query`) or any iterable (`export_rows`, for lists computed in
memory anyway) in chunks, so memory stays flat whatever the row count. A text cell beginning with = + - @ (or a
tab / carriage return) is prefixed with ' so that Excel shows it as text instead of running it as a formula.
The .xlsx is written by XlsxWriter in constant-memory mode to a temporary file (a zip must be finished before
it can be sent) and then streamed; a sheet holds at most 1,048,575 rows, the rest go on to the next sheet."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

import xlsxwriter
from fastapi import Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Select

from servicekit.db import Database

ExportFormat = Literal["csv", "xlsx"]
FormatQuery = Annotated[
    ExportFormat | None, Query(description="csv or xlsx: the whole list (same filters) as a file, streamed")
]
CHUNK_ROWS = 2000
XLSX_MAX_ROWS = 1_048_576
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportColumn:
    key: str
    zh: str
    en: str
    value: Callable[[Mapping[str, Any]], Any] | None = None  # default: row[key]

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    def of(self, row: Mapping[str, Any]) -> Any:
        return self.value(row) if self.value is not None else row.get(self.key)


def columns(*specs: tuple[str, str, str]) -> tuple[ExportColumn, ...]:
    """Columns from (key, Chinese header, English header) triples."""
    return tuple(ExportColumn(k, zh, en) for k, zh, en in specs)


def safe_text(text: str) -> str:
    """Text that a spreadsheet will not evaluate (formula injection)."""
    return "'" + text if text.startswith(_DANGEROUS) else text


def plain(value: Any) -> str | None:
    """A cell's value for CSV: numbers as written, times as ISO text (UTC as stored), text made safe."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return safe_text(as_text(value))


def as_text(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | Decimal) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, list | tuple | dict):  # structured (rule conditions, document lines): as JSON text
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def file_name(name: str, fmt: ExportFormat, today: dt.date | None = None) -> str:
    day = (today or dt.datetime.now(dt.UTC).date()).strftime("%Y%m%d")
    return f"{name}-{day}.{fmt}"


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


Chunks = AsyncIterator[Sequence[Mapping[str, Any]]]


async def query_chunks(db: Database, query: Select[Any], size: int = CHUNK_ROWS) -> Chunks:
    """The query's rows in chunks, from a server-side cursor in one read-only transaction."""
    async with db.sessions() as session, session.begin():
        result = await session.stream(query.execution_options(yield_per=size))
        async for chunk in result.mappings().partitions(size):
            yield chunk


async def iter_chunks(rows: Iterable[Mapping[str, Any]], size: int = CHUNK_ROWS) -> Chunks:
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_query(
    db: Database, query: Select[Any], cols: Sequence[ExportColumn], *, fmt: ExportFormat, name: str
) -> StreamingResponse:
    return stream(query_chunks(db, query), cols, fmt=fmt, name=name)


def export_rows(
    rows: Iterable[Mapping[str, Any]], cols: Sequence[ExportColumn], *, fmt: ExportFormat, name: str
) -> StreamingResponse:
    return stream(iter_chunks(rows), cols, fmt=fmt, name=name)


def stream(chunks: Chunks, cols: Sequence[ExportColumn], *, fmt: ExportFormat, name: str) -> StreamingResponse:
    body = csv_bytes(chunks, cols) if fmt == "csv" else xlsx_bytes(chunks, cols)
    return StreamingResponse(body, media_type=_MEDIA[fmt], headers=_disposition(file_name(name, fmt)))


async def csv_bytes(chunks: Chunks, cols: Sequence[ExportColumn]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    async for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([plain(c.of(row)) for c in cols] for row in chunk)
        yield buffer.getvalue().encode("utf-8")


class XlsxSheetWriter:
    """Rows into a constant-memory workbook on disk; a new sheet when one is full."""

    def __init__(self, path: str, headers: Sequence[str], sheet: str = "data") -> None:
        self.book = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.headers = list(headers)
        self.sheet_name = sheet
        self.bold = self.book.add_format({"bold": True})
        self.sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name}{self.sheets}"
        self.sheet = self.book.add_worksheet(name)
        self.sheet.freeze_panes(1, 0)
        for i, h in enumerate(self.headers):
            self.sheet.write_string(0, i, h, self.bold)
            self.sheet.set_column(i, i, min(40, max(10, len(h) + 2)))
        self.row = 1

    def write(self, values: Sequence[Any], fmt: Any = None) -> None:
        if self.row >= XLSX_MAX_ROWS:
            self._new_sheet()
        sheet, r = self.sheet, self.row
        for i, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, bool):
                sheet.write_boolean(r, i, v)
            elif isinstance(v, int | float | Decimal):
                sheet.write_number(r, i, float(v))
            elif isinstance(v, dt.datetime | dt.date | dt.time):
                sheet.write_string(r, i, v.isoformat())
            else:  # a string cell: Excel never evaluates it, so it is written as it is
                sheet.write_string(r, i, as_text(v), fmt)
        self.row += 1

    def close(self) -> None:
        self.book.close()


async def xlsx_bytes(chunks: Chunks, cols: Sequence[ExportColumn]) -> AsyncIterator[bytes]:
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="export-")
    os.close(fd)
    try:
        writer = XlsxSheetWriter(path, [c.header for c in cols])

        def write(chunk: Sequence[Mapping[str, Any]]) -> None:
            for row in chunk:
                writer.write([c.of(row) for c in cols])

        async for chunk in chunks:
            await asyncio.to_thread(write, chunk)
        await asyncio.to_thread(writer.close)
        async for piece in file_pieces(path):
            yield piece
    finally:
        os.unlink(path)


async def file_pieces(path: str, size: int = 1 << 16) -> AsyncIterator[bytes]:
    with open(path, "rb") as handle:  # noqa: ASYNC230 - local temporary file, 64 KiB reads
        while piece := handle.read(size):
            yield piece

"""Reading an uploaded table: .xlsx / .xls through calamine, .csv in UTF-8 (with or without BOM) or GB18030.

The file's type is taken from its content, and its name must agree: a macro-enabled workbook (.xlsm, or an
.xlsx that carries a VBA project) is refused, as is anything that is neither a workbook nor text. Cells come
back as text (or None when blank), so that codes keep their leading zeros and a formula's text is never run:
a CSV cell "=1+2" is the text "=1+2"; an Excel formula cell gives the value Excel computed and saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook

from servicekit.errors import DomainError

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOM = b"\xef\xbb\xbf"
EXTENSIONS = (".xlsx", ".xls", ".csv")


class FileRejectedError(DomainError):
    """The file as a whole cannot be read: wrong type, empty, too large, no header."""

    def __init__(self, code: str, detail: str, status: int = 422) -> None:
        super().__init__(code, detail)
        self.status = status


@dataclass
class RawTable:
    headers: list[str]
    rows: list[list[str | None]]  # data rows only; row i is spreadsheet row i + 2 (the header is row 1)


def read_table(data: bytes, filename: str, *, max_rows: int) -> RawTable:
    kind = file_kind(data, filename)
    grid = _read_csv(data) if kind == "csv" else _read_workbook(data)
    while grid and not any(c is not None for c in grid[-1]):
        grid.pop()  # trailing blank rows (Excel keeps formatted empty rows)
    if not grid:
        raise FileRejectedError("empty_file", "the file has no rows")
    headers = [(h or "").strip() for h in grid[0]]
    if not any(headers):
        raise FileRejectedError("missing_header", "the first row must name the columns")
    rows = grid[1:]
    if not rows:
        raise FileRejectedError("empty_file", "the file has a header but no data rows")
    if len(rows) > max_rows:
        raise FileRejectedError("too_many_rows", f"{len(rows)} data rows; at most {max_rows} per file", status=413)
    return RawTable(headers, rows)


def file_kind(data: bytes, filename: str) -> str:
    """'xlsx', 'xls' or 'csv', from the content, checked against the name's extension."""
    name = filename.lower().strip()
    if name.endswith((".xlsm", ".xltm", ".xlsb")):
        raise FileRejectedError(
            "unsupported_file_type", "macro-enabled or binary workbooks are not accepted; save as .xlsx"
        )
    if not name.endswith(EXTENSIONS):
        raise FileRejectedError("unsupported_file_type", f"accepted: {', '.join(EXTENSIONS)}")
    if not data:
        raise FileRejectedError("empty_file", "the file is empty")
    if data.startswith(_ZIP):
        if not name.endswith(".xlsx"):
            raise FileRejectedError(
                "unsupported_file_type", "the content is a workbook (.xlsx) but the name says otherwise"
            )
        _refuse_macros(data)
        return "xlsx"
    if data.startswith(_OLE2):
        if not name.endswith(".xls"):
            raise FileRejectedError(
                "unsupported_file_type", "the content is an .xls workbook but the name says otherwise"
            )
        return "xls"
    if not name.endswith(".csv"):
        raise FileRejectedError("unsupported_file_type", "the content is not an Excel workbook")
    if b"\x00" in data[:65536]:
        raise FileRejectedError("unsupported_file_type", "the content is binary, not CSV text")
    return "csv"


def _refuse_macros(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {n.lower() for n in archive.namelist()}
            types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FileRejectedError("unreadable_file", f"not a readable .xlsx workbook: {exc}") from exc
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise FileRejectedError("unsupported_file_type", "the workbook contains macros (.xlsm); save it as .xlsx")


def decode_text(data: bytes) -> str:
    if data.startswith(_BOM):
        return data[len(_BOM) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileRejectedError("unreadable_file", "CSV must be UTF-8 or GB18030 text") from exc


def _read_csv(data: bytes) -> list[list[str | None]]:
    text = decode_text(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_blank(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise FileRejectedError("unreadable_file", f"CSV: {exc}") from exc


def _read_workbook(data: bytes) -> list[list[str | None]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        with book:
            if not book.sheet_names:
                return []
            sheet = book.get_sheet_by_index(0)
            return [[cell_text(c) for c in row] for row in sheet.iter_rows()]
    except FileRejectedError:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise FileRejectedError("unreadable_file", f"the workbook cannot be read: {exc}") from exc


def _blank(value: str) -> str | None:
    value = value.strip()
    return value or None


def cell_text(value: Any) -> str | None:
    """A workbook cell as text: integral numbers without '.0', dates as ISO dates, blanks as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _blank(str(value))

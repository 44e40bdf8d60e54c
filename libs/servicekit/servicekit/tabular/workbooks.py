"""The workbooks an import hands out: the template of a kind (bilingual headers, an example row, dropdowns on
coded columns, code columns formatted as text so that leading zeros survive, a sheet of notes) and the error
report of a rejected file (its original rows with an 错误 / Error column)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from servicekit.tabular.export import XlsxSheetWriter
from servicekit.tabular.kinds import Column, ImportKind, RowError
from servicekit.tabular.reading import RawTable

TEMPLATE_ROWS = 10000  # rows the dropdowns and text formats cover
ERROR_HEADER = "错误 / Error"


def _header(column: Column) -> str:
    return ("*" if column.required else "") + column.header


def template(kind: ImportKind) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    text = book.add_format({"num_format": "@"})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"})
    example = book.add_format({"num_format": "@", "italic": True, "font_color": "#7F7F7F"})
    sheet = book.add_worksheet("data")
    lists = book.add_worksheet("lists")
    lists.hide()
    for i, column in enumerate(kind.columns):
        as_text = column.kind in ("text", "code", "list", "date")
        sheet.set_column(i, i, max(14, len(column.header) + 4), text if as_text else None)
        sheet.write_string(0, i, _header(column), required if column.required else head)
        if column.note:
            sheet.write_comment(0, i, column.note)
        if column.example:
            sheet.write_string(1, i, column.example, example)
        if column.choices:
            for j, choice in enumerate(column.choices):
                lists.write_string(j, i, choice)
            letter = xlsxwriter.utility.xl_col_to_name(i)
            sheet.data_validation(
                1,
                i,
                TEMPLATE_ROWS,
                i,
                {
                    "validate": "list",
                    "source": f"=lists!${letter}$1:${letter}${len(column.choices)}",
                    "error_title": column.header,
                    "error_message": " / ".join(column.choices),
                },
            )
    sheet.freeze_panes(1, 0)
    _notes(book, kind)
    book.close()
    return out.getvalue()


def _notes(book: xlsxwriter.Workbook, kind: ImportKind) -> None:
    notes = book.add_worksheet("说明 Notes")
    bold = book.add_format({"bold": True})
    notes.write_string(0, 0, f"{kind.title_zh} / {kind.title_en}", bold)
    notes.write_string(1, 0, "第 2 行是示例，导入前请删除。 Row 2 is an example: delete it before importing.")
    notes.write_string(2, 0, "带 * 的列必填。 Columns marked * are required.")
    for j, title in enumerate(("列 / Column", "必填 / Required", "格式 / Format", "可选值 / Choices", "说明 / Note")):
        notes.write_string(4, j, title, bold)
    for r, column in enumerate(kind.columns, start=5):
        notes.write_string(r, 0, column.header)
        notes.write_string(r, 1, "是 / yes" if column.required else "")
        notes.write_string(r, 2, column.kind)
        notes.write_string(r, 3, " / ".join(column.choices))
        notes.write_string(r, 4, column.note)
    notes.set_column(0, 0, 30)
    notes.set_column(1, 4, 20)


def error_report(path: str, table: RawTable, errors: Sequence[RowError]) -> None:
    """Write the report to `path`: every original row, the reasons of its errors in the last column."""
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(f"{e.column}: {e.reason}" + (f" ({e.value})" if e.value else ""))
    writer = XlsxSheetWriter(path, [*table.headers, ERROR_HEADER], sheet="errors")
    red = writer.book.add_format({"font_color": "#C00000"})
    width = len(table.headers)
    if 1 in by_row:
        writer.sheet.write_string(0, width, "; ".join(by_row[1]), red)
    for offset, cells in enumerate(table.rows):
        reasons = by_row.get(offset + 2)
        padded = [*cells[:width], *([None] * (width - len(cells)))]
        writer.write(padded)
        if reasons:
            row = writer.row - 1
            writer.sheet.write_string(row, width, "; ".join(reasons), red)
    writer.close()

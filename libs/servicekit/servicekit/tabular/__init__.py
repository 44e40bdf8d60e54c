"""Bulk import from .xlsx/.xls/.csv and export of lists to .csv/.xlsx: one mechanism for every service.

A service declares its import kinds (`ImportKind`: columns, row model, key, checks, apply) and mounts
`import_router(kinds, jobs_table)`; its list endpoints take `format: FormatQuery` and answer with
`export_query` / `export_rows`. See docs/import-export.md."""

from servicekit.tabular.export import (
    ExportColumn,
    ExportFormat,
    FormatQuery,
    columns,
    export_query,
    export_rows,
    safe_text,
)
from servicekit.tabular.kinds import Column, ImportContext, ImportKind, Mode, RowError, ValidRow
from servicekit.tabular.reading import FileRejectedError, RawTable, read_table
from servicekit.tabular.router import import_router
from servicekit.tabular.store import create_import_jobs, drop_import_jobs, import_jobs_table
from servicekit.tabular.validation import validate

__all__ = [
    "Column",
    "ExportColumn",
    "ExportFormat",
    "FileRejectedError",
    "FormatQuery",
    "ImportContext",
    "ImportKind",
    "Mode",
    "RawTable",
    "RowError",
    "ValidRow",
    "columns",
    "create_import_jobs",
    "drop_import_jobs",
    "export_query",
    "export_rows",
    "import_jobs_table",
    "import_router",
    "read_table",
    "safe_text",
    "validate",
]

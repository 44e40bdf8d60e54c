"""Closed documents of the previous system (historical sales orders, historical purchase orders), imported one
row per line, written once for every owning service: the lines of a document agree on its header (date, party,
currency) and add up to its total when the file gives one; its party exists (one batched lookup); the mode agrees
with what is stored; then per chunk the headers upserted with their totals, their lines replaced, and an audit
entry per document. They are kept apart from live documents and never run through a saga (docs/import-export.md).
The owning service says how a line is priced (its own rounding rule) and which columns its tables have."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.db import Database
from servicekit.tabular.bulk import audit_all, chunked
from servicekit.tabular.export import ExportColumn, ExportFormat, export_query
from servicekit.tabular.kinds import Column, ImportContext, ImportKind, RowError, ValidRow
from servicekit.tabular.upsert import keyed, stored_keys

Totals = tuple[Decimal, Decimal, Decimal]  # net, tax, gross


@dataclass(frozen=True)
class ClosedDocuments:
    """`number` and `party` are fields of the row model and columns of the header table (`party_column`: where
    the party must exist); `agree` the fields every line repeats; `totals` prices a document's lines (net, tax,
    gross); `line_values(line)` gives the lines table's columns, `header_values(first line, totals)` the header
    table's (by default the number, party, date, currency and note of the first line with the totals)."""

    headers: Table
    lines: Table
    number: str
    party: str
    party_column: Any
    party_noun: str
    agree: tuple[str, ...]
    totals: Callable[[Sequence[Any]], Totals]
    line_values: Callable[[Any], dict[str, Any]]
    noun: str  # in reasons and as the audit's entity: "historical_order"
    header_values: Callable[[Any, Totals], dict[str, Any]] | None = None
    gross_field: str = "order_gross"
    date_field: str = "order_date"

    def header_of(self, first: Any, totals: Totals) -> dict[str, Any]:
        if self.header_values is not None:
            return self.header_values(first, totals)
        net, tax, gross = totals
        own = field_values(first, self.number, self.party, self.date_field, "currency", "note")
        return own | {"net": net, "tax": tax, "gross": gross}

    def import_kind(
        self,
        *,
        name: str,
        title_zh: str,
        title_en: str,
        columns: tuple[Column, ...],
        row_model: type[BaseModel],
        key_label: str,
        roles: tuple[str, ...],
    ) -> ImportKind:
        """The import of these documents, one row per line (a line once: its number and line number)."""
        return ImportKind(
            name=name,
            title_zh=title_zh,
            title_en=title_en,
            columns=columns,
            row_model=row_model,
            key=self._line_key,
            key_label=key_label,
            check=self.check,
            file_check=self.file_check,
            apply=self.apply,
            roles=roles,
        )

    def _line_key(self, line: Any) -> tuple[Any, Any]:
        return getattr(line, self.number), line.line_no

    def export_columns(self, kind: ImportKind) -> tuple[ExportColumn, ...]:
        """The columns of a file export (one row per line, `listing(per_line=True)`): the import's but the note,
        then the line's amounts and the document's total (under the import's header of the total)."""
        gross = kind.column(self.gross_field)
        return kind.export_columns(
            ExportColumn("line_net", "行金额", "Line net"),
            ExportColumn("line_tax", "行税额", "Line tax"),
            ExportColumn("gross", gross.zh, gross.en),
            omit=(self.gross_field, "note"),
        )

    async def answer(
        self,
        db: Database,
        party: str | None,
        start: date | None,
        end: date | None,
        *,
        limit: int,
        fmt: ExportFormat | None,
        columns: Sequence[ExportColumn],
        name: str,
    ) -> Any:
        """A list endpoint's answer: the headers of a party's documents between two dates (`limit` of them, newest
        first), or with `fmt` a file of them, one row per line."""
        if fmt:
            per_line = self.listing(party, start, end, per_line=True)
            return export_query(db, per_line, columns, fmt=fmt, name=name)
        query = self.listing(party, start, end, per_line=False).limit(limit)
        async with db.transaction() as session:
            return [dict(r) for r in (await session.execute(query)).mappings()]

    def listing(self, party: str | None, start: date | None, end: date | None, *, per_line: bool) -> Select[Any]:
        """The documents of a party between two dates (newest first), or as a file one row per line (oldest
        first; the line's amounts as `line_net`, `line_tax`)."""
        h, line = self.headers, self.lines
        where = [c for c in (h.c[self.party] == party if party else None,
                             h.c[self.date_field] >= start if start else None,
                             h.c[self.date_field] <= end if end else None) if c is not None]  # fmt: skip
        if not per_line:
            return select(h).where(*where).order_by(h.c[self.date_field].desc(), h.c[self.number])
        return (
            select(
                h,
                *[c for c in line.c if c.name not in (self.number, "net", "tax")],
                line.c.net.label("line_net"),
                line.c.tax.label("line_tax"),
            )
            .join(line, line.c[self.number] == h.c[self.number])
            .where(*where)
            .order_by(h.c[self.date_field], h.c[self.number], line.c.line_no)
        )

    def by_document(self, rows: Sequence[ValidRow]) -> dict[str, list[tuple[int, Any]]]:
        documents: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        for r in rows:
            documents[getattr(r.data, self.number)].append((r.row, r.data))
        return documents

    def file_check(self, rows: Sequence[ValidRow]) -> list[RowError]:
        """The lines of a document agree on its header, and add up to its total when the file gives one."""
        errors = []
        for number, lines in self.by_document(rows).items():
            first_row, first = lines[0]
            for row, line in lines[1:]:
                for name in self.agree:
                    if getattr(line, name) != getattr(first, name):
                        reason = f"differs from row {first_row} of {number}"
                        errors.append(RowError(row, name, str(getattr(line, name)), reason))
            gross = self.totals([x for _, x in lines])[2]
            for row, line in lines:
                given = getattr(line, self.gross_field)
                if given is not None and given != gross:
                    errors.append(
                        RowError(row, self.gross_field, str(given), f"the lines of {number} add up to {gross}")
                    )
        return errors

    async def check(self, ctx: ImportContext, rows: Sequence[ValidRow]) -> list[RowError]:
        """The party exists; insert refuses a document imported before, update an unknown one."""
        documents = self.by_document(rows)
        parties = sorted({getattr(lines[0][1], self.party) for lines in documents.values()})
        known = await stored_keys(ctx.session, self.party_column, parties)
        stored = await stored_keys(ctx.session, self.headers.c[self.number], list(documents))
        errors = []
        for number, lines in documents.items():
            row, first = lines[0]
            party = getattr(first, self.party)
            if party not in known:
                errors.append(RowError(row, self.party, party, f"no such {self.party_noun}"))
            if ctx.mode == "insert" and number in stored:
                errors.append(RowError(row, self.number, number, "already imported (mode insert)"))
            if ctx.mode == "update" and number not in stored:
                errors.append(RowError(row, self.number, number, "no such imported document (mode update)"))
        return errors

    async def apply(self, ctx: ImportContext, rows: Sequence[ValidRow]) -> int:
        documents = list(self.by_document(rows).items())
        key = self.headers.c[self.number]
        for part in chunked(documents, 1000):
            numbers = [number for number, _ in part]
            before = {
                r[self.number]: {k: str(v) for k, v in r.items() if v is not None}
                for r in (await ctx.session.execute(select(self.headers).where(keyed(key, numbers)))).mappings()
            }
            headers: list[dict[str, Any]] = []
            lines: list[dict[str, Any]] = []
            for _number, items in part:
                docs = [x for _, x in items]
                headers.append(self.header_of(docs[0], self.totals(docs)) | {"import_job": ctx.job_id,
                                                                             "imported_at": ctx.now})  # fmt: skip
                lines.extend(self.line_values(x) for x in docs)
            await ctx.session.execute(delete(self.lines).where(keyed(self.lines.c[self.number], numbers)))
            stmt = pg_insert(self.headers).values(headers)
            update = {k: stmt.excluded[k] for k in headers[0] if k != self.number}
            await ctx.session.execute(stmt.on_conflict_do_update(index_elements=[key], set_=update))
            for piece in chunked(lines, 3000):
                await ctx.session.execute(insert(self.lines).values(list(piece)))
            await audit_all(
                ctx,
                self.noun,
                (
                    (h[self.number], before.get(h[self.number]), _plain(h) | {"lines": len(items)})
                    for h, (_, items) in zip(headers, part, strict=True)
                ),
            )
        return len(rows)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v if v is None or isinstance(v, str | int) else str(v) for k, v in values.items()}


def field_values(model: BaseModel, *names: str) -> dict[str, Any]:
    """The named fields of a row, as columns of the same names."""
    return {name: getattr(model, name) for name in names}

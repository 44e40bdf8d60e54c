"""The journal: trial balance, subledger-vs-control reconciliation, entries of a document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from finance import ledger
from finance.api import FinanceReader, files, plain
from finance.config import RuntimeDep
from finance.db import journal_entries, journal_lines, stock_values
from servicekit.tabular import FormatQuery, export_query, export_rows

router = APIRouter(tags=["ledger"])


@router.get("/ledger/trial-balance")
async def trial_balance(runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    async with runtime.db.transaction() as s:
        report = await ledger.trial_balance(s)
    return files.export_trial_balance(report, format) if format else plain(report)


@router.get("/ledger/reconciliation")
async def reconciliation(runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    """Receivables subledger (open invoices) vs AR control, unapplied receipts vs customer credit, open bills
    vs AP control."""
    async with runtime.db.transaction() as s:
        report = await ledger.reconciliation(s)
    if format:
        return export_rows(report["checks"], files.RECONCILIATION, fmt=format, name="reconciliation")
    return plain(report)


@router.get("/ledger/stock-valuation")
async def stock_valuation(
    runtime: RuntimeDep, _: FinanceReader, sku: str | None = None, format: FormatQuery = None
) -> Any:
    """The stock valuation the inventory account holds, per sku (quantity and value of every valued stock
    movement): compare with inventory's own (on hand × moving-average cost)."""
    q = select(stock_values).order_by(stock_values.c.sku)
    if sku is not None:
        q = q.where(stock_values.c.sku == sku)
    if format:
        return export_query(runtime.db, q, files.STOCK_VALUATION, fmt=format, name="stock-valuation")
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(q)).mappings()])


@router.get("/ledger/entries")
async def entries(runtime: RuntimeDep, _: FinanceReader, source_no: str, format: FormatQuery = None) -> Any:
    async with runtime.db.transaction() as s:
        rows = (
            await s.execute(
                select(journal_entries, journal_lines)
                .join(journal_lines, journal_lines.c.entry_id == journal_entries.c.id)
                .where(journal_entries.c.source_no == source_no)
                .order_by(journal_entries.c.id, journal_lines.c.id)
            )
        ).all()
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            r.entry_id,
            {
                "id": r.entry_id,
                "entry_date": r.entry_date,
                "source_type": r.source_type,
                "source_no": r.source_no,
                "memo": r.memo,
                "lines": [],
            },
        )
        entry["lines"].append({"account": r.account_code, "debit": r.debit, "credit": r.credit, "party": r.party_code})
    if format:
        return files.export_entries(list(out.values()), format)
    return plain(list(out.values()))

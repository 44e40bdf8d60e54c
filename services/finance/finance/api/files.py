"""Finance's exports: the columns of its lists, and the payment lists (customer receipts, supplier payments)
that had no list endpoint. Invoices, bills and journal lines stream from a cursor; statements and ageing are
computed per party and exported from that result."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Select, select

from finance.api import FinanceReader, plain
from finance.config import RuntimeDep
from finance.db import customer_payments, journal_entries, journal_lines, supplier_payments
from servicekit.tabular import ExportColumn, ExportFormat, FormatQuery, columns, export_query, export_rows

router = APIRouter(tags=["exports"])


def invoice_columns(today: date) -> tuple[ExportColumn, ...]:
    return (
        *columns(
            ("invoice_no", "发票号", "Invoice"),
            ("order_no", "销售订单", "Order"),
            ("do_no", "出库单号", "Delivery order"),
            ("customer_code", "客户编码", "Customer"),
            ("status", "状态", "Status"),
            ("issue_date", "开票日期", "Issue date"),
            ("due_date", "到期日", "Due date"),
            ("net", "不含税金额", "Net"),
            ("tax", "税额", "Tax"),
            ("gross", "含税金额", "Gross"),
            ("paid", "已收", "Paid"),
            ("currency", "币种", "Currency"),
        ),
        ExportColumn("outstanding", "未收", "Outstanding", lambda r: r["gross"] - r["paid"]),
        ExportColumn(
            "overdue", "逾期", "Overdue", lambda r: r["status"] in ("open", "partially_paid") and r["due_date"] < today
        ),
    )


BILLS = (
    *columns(
        ("bill_no", "应付单号", "Bill"),
        ("supplier_code", "供应商编码", "Supplier"),
        ("po_no", "采购单号", "Purchase order"),
        ("grn_no", "入库单号", "Goods receipt"),
        ("supplier_invoice_ref", "供应商发票号", "Supplier invoice"),
        ("status", "状态", "Status"),
        ("hold_reason", "暂扣原因", "Hold reason"),
        ("bill_date", "账单日期", "Bill date"),
        ("due_date", "到期日", "Due date"),
        ("net", "不含税金额", "Net"),
        ("tax", "税额", "Tax"),
        ("gross", "含税金额", "Gross"),
        ("paid", "已付", "Paid"),
        ("currency", "币种", "Currency"),
    ),
    ExportColumn("outstanding", "未付", "Outstanding", lambda r: r["gross"] - r["paid"]),
)
RECEIPTS = columns(
    ("payment_no", "收款单号", "Payment"),
    ("customer_code", "客户编码", "Customer"),
    ("amount", "金额", "Amount"),
    ("unallocated", "未核销", "Unallocated"),
    ("currency", "币种", "Currency"),
    ("method", "方式", "Method"),
    ("reference", "参考号", "Reference"),
    ("received_on", "收款日期", "Received on"),
    ("created_by", "录入人", "By"),
)
SUPPLIER_PAYMENTS = columns(
    ("payment_no", "付款单号", "Payment"),
    ("supplier_code", "供应商编码", "Supplier"),
    ("amount", "金额", "Amount"),
    ("currency", "币种", "Currency"),
    ("method", "方式", "Method"),
    ("reference", "参考号", "Reference"),
    ("paid_on", "付款日期", "Paid on"),
    ("created_by", "录入人", "By"),
)
JOURNAL = columns(
    ("entry_id", "凭证号", "Entry"),
    ("entry_date", "日期", "Date"),
    ("source_type", "来源类型", "Source type"),
    ("source_no", "来源单号", "Source no"),
    ("memo", "摘要", "Memo"),
    ("account_code", "科目", "Account"),
    ("party_type", "往来类型", "Party type"),
    ("party_code", "往来单位", "Party"),
    ("debit", "借方", "Debit"),
    ("credit", "贷方", "Credit"),
)
STATEMENT = columns(
    ("date", "日期", "Date"),
    ("document_type", "单据类型", "Document type"),
    ("document_no", "单据号", "Document no"),
    ("debit", "借方", "Debit"),
    ("credit", "贷方", "Credit"),
    ("balance", "余额", "Balance"),
)


CREDIT_NOTES = columns(
    ("credit_note_no", "红字发票号", "Credit note"),
    ("invoice_no", "原发票号", "Invoice"),
    ("order_no", "销售订单", "Order"),
    ("customer_code", "客户编码", "Customer"),
    ("net", "不含税金额", "Net"),
    ("tax", "税额", "Tax"),
    ("gross", "含税金额", "Gross"),
    ("to_invoice", "冲减发票", "Against the invoice"),
    ("unapplied", "未核销", "Unapplied"),
    ("currency", "币种", "Currency"),
    ("reason", "原因", "Reason"),
    ("return_no", "退货单号", "Return"),
    ("issued_at", "开具时间", "Issued (UTC)"),
    ("issued_by", "开具人", "By"),
)
TRIAL_BALANCE = columns(
    ("account", "科目", "Account"),
    ("name", "科目名称", "Name"),
    ("kind", "类别", "Kind"),
    ("debit", "借方", "Debit"),
    ("credit", "贷方", "Credit"),
    ("balance", "余额", "Balance"),
)
RECONCILIATION = columns(
    ("name", "核对项", "Check"),
    ("subledger", "明细账", "Subledger"),
    ("subledger_total", "明细账合计", "Subledger total"),
    ("control_account", "总账科目", "Control account"),
    ("control_balance", "总账余额", "Control balance"),
    ("difference", "差额", "Difference"),
    ("agrees", "一致", "Agrees"),
)
ENTRY_LINES = columns(
    ("id", "凭证号", "Entry"),
    ("entry_date", "日期", "Date"),
    ("source_type", "来源类型", "Source type"),
    ("source_no", "来源单号", "Source no"),
    ("memo", "摘要", "Memo"),
    ("account", "科目", "Account"),
    ("party", "往来单位", "Party"),
    ("debit", "借方", "Debit"),
    ("credit", "贷方", "Credit"),
)
PERIOD_CHECKS = (*RECONCILIATION, ExportColumn("documents", "说明单据", "Documents"))
STOCK_VALUATION = columns(
    ("sku", "产品编码", "SKU"),
    ("qty", "数量", "Quantity"),
    ("value", "金额", "Value"),
    ("updated_at", "更新时间", "Updated at"),
)
DUNNING_GROUPS = columns(
    ("code", "催收组编码", "Dunning group"),
    ("name", "名称", "Name"),
    ("offsets_days", "提醒天数(距到期日)", "Offsets (days from due date)"),
    ("updated_at", "更新时间", "Updated at"),
)
PERIODS = columns(
    ("period", "会计期间", "Period"),
    ("status", "状态", "Status"),
    ("closed_by", "结账人", "Closed by"),
    ("closed_at", "结账时间", "Closed at"),
    ("reopened_by", "反结账人", "Reopened by"),
    ("reopened_at", "反结账时间", "Reopened at"),
    ("reopen_reason", "反结账原因", "Reopen reason"),
)
RECEIVED_NOT_BILLED = columns(
    ("grn_no", "入库单号", "Goods receipt"),
    ("po_no", "采购单号", "Purchase order"),
    ("supplier_code", "供应商编码", "Supplier"),
    ("value", "金额", "Value"),
    ("received_on", "入库日期", "Received on"),
)


def export_trial_balance(report: dict[str, Any], fmt: ExportFormat) -> StreamingResponse:
    total = {"account": "合计 / Total", "debit": report["total_debit"], "credit": report["total_credit"]}
    return export_rows([*report["accounts"], total], TRIAL_BALANCE, fmt=fmt, name="trial-balance")


def export_entries(entries: list[dict[str, Any]], fmt: ExportFormat) -> StreamingResponse:
    """One row per journal line, its entry's header repeated."""
    rows = [{k: v for k, v in e.items() if k != "lines"} | line for e in entries for line in e["lines"]]
    return export_rows(rows, ENTRY_LINES, fmt=fmt, name="ledger-entries")


def export_invoices(runtime: Any, query: Select[Any], fmt: ExportFormat) -> StreamingResponse:
    return export_query(runtime.db, query, invoice_columns(runtime.clock.now().date()), fmt=fmt, name="invoices")


def export_bills(runtime: Any, query: Select[Any], fmt: ExportFormat) -> StreamingResponse:
    return export_query(runtime.db, query, BILLS, fmt=fmt, name="bills")


def export_statement(report: dict[str, Any], fmt: ExportFormat) -> StreamingResponse:
    """The statement's documents between an opening and a closing balance row."""
    opening = {"document_type": "opening_balance", "date": report["from"], "balance": report["opening_balance"]}
    closing = {"document_type": "closing_balance", "date": report["to"], "balance": report["closing_balance"]}
    rows = [opening, *report["documents"], closing]
    return export_rows(rows, STATEMENT, fmt=fmt, name=f"statement-{report['party_type']}-{report['code']}")


def export_ageing(report: dict[str, Any], fmt: ExportFormat) -> StreamingResponse:
    cols = (
        ExportColumn("code", "往来单位", "Party"),
        *(ExportColumn(b, b, b) for b in report["buckets"]),
        ExportColumn("total", "合计", "Total"),
    )
    rows = [*report["parties"], {"code": "合计 / Total", **report["totals"]}]
    return export_rows(rows, cols, fmt=fmt, name=f"ageing-{report['kind']}")


@router.get("/payments")
async def list_payments(
    runtime: RuntimeDep,
    _: FinanceReader,
    customer_code: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: FormatQuery = None,
) -> Any:
    """Customer receipts, the latest first."""
    p = customer_payments
    q = select(p).order_by(p.c.received_on.desc(), p.c.payment_no.desc())
    if customer_code:
        q = q.where(p.c.customer_code == customer_code)
    if received_from:
        q = q.where(p.c.received_on >= received_from)
    if received_to:
        q = q.where(p.c.received_on <= received_to)
    if format:
        return export_query(runtime.db, q, RECEIPTS, fmt=format, name="payments")
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(q.limit(limit))).mappings()])


@router.get("/supplier-payments")
async def list_supplier_payments(
    runtime: RuntimeDep,
    _: FinanceReader,
    supplier_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: FormatQuery = None,
) -> Any:
    p = supplier_payments
    q = select(p).order_by(p.c.paid_on.desc(), p.c.payment_no.desc())
    if supplier_code:
        q = q.where(p.c.supplier_code == supplier_code)
    if format:
        return export_query(runtime.db, q, SUPPLIER_PAYMENTS, fmt=format, name="supplier-payments")
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(q.limit(limit))).mappings()])


@router.get("/ledger/journal")
async def journal(
    runtime: RuntimeDep,
    _: FinanceReader,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    account_code: str | None = None,
    party_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: FormatQuery = None,
) -> Any:
    """Journal lines with their entries, oldest first (the general ledger's detail)."""
    e, line = journal_entries, journal_lines
    q = (
        select(
            e.c.id.label("entry_id"),
            e.c.entry_date,
            e.c.source_type,
            e.c.source_no,
            e.c.memo,
            line.c.account_code,
            line.c.party_type,
            line.c.party_code,
            line.c.debit,
            line.c.credit,
        )
        .join(line, line.c.entry_id == e.c.id)
        .order_by(e.c.id, line.c.id)
    )
    if start:
        q = q.where(e.c.entry_date >= start)
    if end:
        q = q.where(e.c.entry_date <= end)
    if account_code:
        q = q.where(line.c.account_code == account_code)
    if party_code:
        q = q.where(line.c.party_code == party_code)
    if format:
        return export_query(runtime.db, q, JOURNAL, fmt=format, name="journal")
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(q.limit(limit))).mappings()])

"""The finance database: the ledger, credit, receivables, payables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from servicekit.db import kit_tables, money, new_metadata, qty, ts

metadata = new_metadata()
kit = kit_tables(metadata)


# ---- the ledger ------------------------------------------------------------------------------------------
accounts = Table(
    "accounts",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # asset liability equity revenue expense
    Column("normal_side", String(6), nullable=False),  # debit | credit
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entry_date", Date, nullable=False),
    Column("source_type", String(30), nullable=False),
    Column("source_no", String(64), nullable=False),
    Column("memo", Text),
    ts("posted_at"),
    Index("ix_journal_entries_source", "source_type", "source_no"),
)

journal_lines = Table(
    "journal_lines",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, ForeignKey("journal_entries.id"), nullable=False),
    Column("account_code", String(10), ForeignKey("accounts.code"), nullable=False),
    money("debit"),
    money("credit"),
    Column("party_type", String(10)),  # customer | supplier
    Column("party_code", String(64)),
    CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)", name="one_side"),
    Index("ix_journal_lines_entry_id", "entry_id"),
    Index("ix_journal_lines_party", "party_type", "party_code", "account_code"),
)

# ---- credit ----------------------------------------------------------------------------------------------
# Dunning per customer (催收): a group's reminder offsets (days from the due date) apply to its customers; a
# customer in none gets the service's default (FINANCE_DUNNING_OFFSETS_DAYS).
dunning_groups = Table(
    "dunning_groups",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("offsets_days", JSONB, nullable=False),
    ts("updated_at"),
)

credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("customer_code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    money("credit_limit"),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    ts("updated_at"),
    Column("dunning_group", String(64), ForeignKey("dunning_groups.code")),
)

credit_holds = Table(
    "credit_holds",
    metadata,
    Column("order_no", String(64), primary_key=True),
    Column("customer_code", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    money("amount"),
    money("invoiced"),
    Column("active", Boolean, nullable=False),
    ts("updated_at"),
    Index("ix_credit_holds_customer_active", "customer_code", postgresql_where=text("active")),
)

credit_checks = Table(
    "credit_checks",
    metadata,
    Column("order_no", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("customer_code", String(64), nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("reason", String(30)),
    money("requested"),
    money("credit_limit"),
    money("exposure"),
    Column("currency", String(3), nullable=False),
    ts("decided_at"),
    PrimaryKeyConstraint("order_no", "revision", name="pk_credit_checks"),
)

# ---- sales orders as finance needs them -----------------------------------------------------------------
sales_orders = Table(
    "sales_orders",
    metadata,
    Column("order_no", String(64), primary_key=True),
    Column("customer_code", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("cancelled", Boolean, nullable=False, server_default="false"),
    ts("settled_at", nullable=True),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_no", String(64), ForeignKey("sales_orders.order_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    qty("qty"),
    money("unit_price"),
    Column("discount", Numeric(5, 4), nullable=False),
    Column("tax_rate", Numeric(5, 4), nullable=False),
    qty("shipped_qty"),
    PrimaryKeyConstraint("order_no", "line_no", name="pk_order_lines"),
)

# ---- receivables -----------------------------------------------------------------------------------------
invoices = Table(
    "invoices",
    metadata,
    Column("invoice_no", String(64), primary_key=True),
    Column("order_no", String(64), nullable=False, index=True),
    Column("do_no", String(64), nullable=False, unique=True),
    Column("customer_code", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    money("net"),
    money("tax"),
    money("gross"),
    money("cost"),
    money("paid"),
    Column("status", String(20), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    ts("issued_at"),
    ts("voided_at", nullable=True),
    Column("void_reason", Text),
    Column("credit_note_no", String(64)),  # the credit note that voided it
    CheckConstraint("paid >= 0 AND paid <= gross", name="paid_within_gross"),
    Index(
        "ix_invoices_customer_open",
        "customer_code",
        "due_date",
        postgresql_where=text("status IN ('open', 'partially_paid')"),
    ),
)

# A credit note (CN-) reverses all or part of an invoice: its open balance first (counted in the invoice's `paid`,
# what is settled), the rest kept as the customer's credit (`unapplied`).
credit_notes = Table(
    "credit_notes",
    metadata,
    Column("credit_note_no", String(64), primary_key=True),
    Column("invoice_no", String(64), ForeignKey("invoices.invoice_no"), nullable=False, index=True),
    Column("order_no", String(64), nullable=False, index=True),
    Column("customer_code", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    money("net"),
    money("tax"),
    money("gross"),
    money("cost"),  # the restocked goods' cost, taken back from cost of goods sold
    money("to_invoice"),
    money("to_open_invoices"),  # what settled the customer's other open invoices (credit_note_allocations)
    money("unapplied"),
    Column("reason", Text, nullable=False),
    Column("return_no", String(64)),
    Column("lines", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    ts("issued_at"),
    Column("issued_by", String(128), nullable=False),
    CheckConstraint(
        "unapplied >= 0 AND to_invoice >= 0 AND to_open_invoices >= 0"
        " AND to_invoice + to_open_invoices + unapplied = gross",
        name="parts_sum",
    ),
)

# What of a credit note settled the customer's other open invoices (its own invoice's part is `to_invoice`).
credit_note_allocations = Table(
    "credit_note_allocations",
    metadata,
    Column("credit_note_no", String(64), ForeignKey("credit_notes.credit_note_no"), nullable=False),
    Column("invoice_no", String(64), ForeignKey("invoices.invoice_no"), nullable=False, index=True),
    money("amount"),
    ts("allocated_at"),
    PrimaryKeyConstraint("credit_note_no", "invoice_no", name="pk_credit_note_allocations"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_no", String(64), ForeignKey("invoices.invoice_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    qty("qty"),
    money("unit_price"),
    Column("discount", Numeric(5, 4), nullable=False),
    Column("tax_rate", Numeric(5, 4), nullable=False),
    money("net"),
    money("tax"),
    Column("unit_cost", Numeric(18, 4), nullable=False),
    PrimaryKeyConstraint("invoice_no", "line_no", name="pk_invoice_lines"),
)

customer_payments = Table(
    "customer_payments",
    metadata,
    Column("payment_no", String(64), primary_key=True),
    Column("customer_code", String(64), nullable=False),
    money("amount"),
    money("unallocated"),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("reference", String(64)),
    Column("received_on", Date, nullable=False),
    ts("received_at"),
    Column("created_by", String(128), nullable=False),
    CheckConstraint("unallocated >= 0 AND unallocated <= amount", name="unallocated_within_amount"),
    Index(
        "ix_customer_payments_credit",
        "customer_code",
        "received_at",
        postgresql_where=text("unallocated > 0"),
    ),
)

payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("payment_no", String(64), ForeignKey("customer_payments.payment_no"), nullable=False),
    Column("invoice_no", String(64), ForeignKey("invoices.invoice_no"), nullable=False, index=True),
    money("amount"),
    Column("from_credit", Boolean, nullable=False),
    ts("allocated_at"),
)

dunning_log = Table(
    "dunning_log",
    metadata,
    Column("invoice_no", String(64), ForeignKey("invoices.invoice_no"), nullable=False),
    Column("offset_days", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # reminder | overdue
    ts("issued_at"),
    PrimaryKeyConstraint("invoice_no", "kind", "offset_days", name="pk_dunning_log"),
)

# ---- payables --------------------------------------------------------------------------------------------
suppliers = Table(
    "suppliers",
    metadata,
    Column("supplier_code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    ts("updated_at"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_no", String(64), primary_key=True),
    Column("supplier_code", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("tolerance_pct", Numeric(5, 2), nullable=False),
    # The invoice price tolerance of the three-way match (0: any difference holds the bill).
    Column("price_tolerance_pct", Numeric(5, 2), nullable=False, server_default="0"),
    ts("sent_at"),
)

po_lines = Table(
    "po_lines",
    metadata,
    Column("po_no", String(64), ForeignKey("purchase_orders.po_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    qty("qty"),
    money("unit_price"),
    Column("tax_rate", Numeric(5, 4), nullable=False),
    qty("received_qty"),
    PrimaryKeyConstraint("po_no", "line_no", name="pk_po_lines"),
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    Column("grn_no", String(64), primary_key=True),
    Column("po_no", String(64)),
    Column("supplier_code", String(64)),
    money("value"),
    Column("bill_no", String(64)),
    Column("received_on", Date, nullable=False),
    ts("received_at"),
    Column("lines", JSONB, nullable=False),
    Column("reason", Text),  # a receipt without PO: why (it is billed when its supplier and prices are known)
)

bills = Table(
    "bills",
    metadata,
    Column("bill_no", String(64), primary_key=True),
    Column("supplier_code", String(64), nullable=False, index=True),
    Column("po_no", String(64)),
    Column("grn_no", String(64), unique=True),
    Column("supplier_invoice_ref", String(64)),
    Column("currency", String(3), nullable=False),
    money("net"),
    money("tax"),
    money("gross"),
    money("paid"),
    Column("status", String(20), nullable=False),
    Column("bill_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    ts("created_at"),
    Column("hold_reason", String(30)),
    Column("matched_invoice", JSONB),
    CheckConstraint("paid >= 0 AND paid <= gross", name="paid_within_gross"),
)

bill_lines = Table(
    "bill_lines",
    metadata,
    Column("bill_no", String(64), ForeignKey("bills.bill_no"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("po_line_no", Integer),
    Column("sku", String(64), nullable=False),
    qty("qty"),
    money("unit_price"),
    Column("tax_rate", Numeric(5, 4), nullable=False),
    money("net"),
    money("tax"),
    PrimaryKeyConstraint("bill_no", "line_no", name="pk_bill_lines"),
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    Column("payment_no", String(64), primary_key=True),
    Column("supplier_code", String(64), nullable=False),
    money("amount"),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("reference", String(64)),
    Column("paid_on", Date, nullable=False),
    ts("paid_at"),
    Column("created_by", String(128), nullable=False),
)

bill_payments = Table(
    "bill_payments",
    metadata,
    Column("payment_no", String(64), ForeignKey("supplier_payments.payment_no"), nullable=False),
    Column("bill_no", String(64), ForeignKey("bills.bill_no"), nullable=False),
    money("amount"),
    PrimaryKeyConstraint("payment_no", "bill_no", name="pk_bill_payments"),
)

# Accounting periods (months, "YYYY-MM") closed by a finance manager after their reconciliation report: nothing
# posts into a closed one (finance.ledger.post). A month without a row is open; reopening is audited.
periods = Table(
    "periods",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("status", String(8), nullable=False),  # closed | open (reopened)
    Column("report", JSONB, nullable=False),
    Column("closed_by", String(128), nullable=False),
    ts("closed_at"),
    Column("reopened_by", String(128)),
    ts("reopened_at", nullable=True),
    Column("reopen_reason", Text),
)

# The stock valuation as the journal sees it (账实相符), per sku: every stock movement with value (receipt,
# shipment, return, adjustment, stocktake variance, opening balance) moves it with the inventory account, so
# their sums agree (the `inventory` reconciliation check) and each sku compares with inventory's own valuation.
stock_values = Table(
    "stock_values",
    metadata,
    Column("sku", String(64), primary_key=True),
    qty("qty"),
    money("value"),
    ts("updated_at"),
)

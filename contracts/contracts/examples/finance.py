"""Finance examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as Dec

from contracts import finance as fin
from contracts.common import Amounts
from contracts.envelope import Message
from contracts.examples.story import AT, BILL, CUSTOMER, DO, GRN, INV, PAY, PO, SKU_A, SO, SUPPLIER

EXAMPLES: list[Message] = [
    fin.CreditApproved(
        order_no=SO,
        customer_code=CUSTOMER,
        amount=Dec("536.75"),
        credit_limit=Dec("50000.00"),
        exposure=Dec("12536.75"),
        approved_at=AT,
    ),
    fin.CreditRefused(
        order_no=SO,
        customer_code=CUSTOMER,
        reason="credit_limit",
        credit_limit=Dec("50000.00"),
        exposure=Dec("49800.00"),
        requested=Dec("536.75"),
        refused_at=AT,
    ),
    fin.SettlementVoided(
        order_no=SO,
        customer_code=CUSTOMER,
        released_amount=Dec("536.75"),
        reason="order cancelled",
        voided_at=AT,
    ),
    fin.InvoiceIssued(
        invoice_no=INV,
        order_no=SO,
        do_no=DO,
        customer_code=CUSTOMER,
        lines=[
            fin.InvoiceLine(
                line_no=1,
                sku=SKU_A,
                qty=Dec("10"),
                unit_price=Dec("25.00"),
                discount=Dec("0.1"),
                tax_rate=Dec("0.13"),
                net=Dec("225.00"),
                tax=Dec("29.25"),
            )
        ],
        totals=Amounts(net=Dec("225.00"), tax=Dec("29.25"), gross=Dec("254.25")),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
        issued_at=AT,
    ),
    fin.InvoiceVoided(
        invoice_no=INV,
        order_no=SO,
        customer_code=CUSTOMER,
        amount=Dec("254.25"),
        reason="wrong price",
        voided_at=AT,
    ),
    fin.CreditNoteIssued(
        credit_note_no="CN-2026-000001",
        invoice_no=INV,
        order_no=SO,
        customer_code=CUSTOMER,
        totals=Amounts(net=Dec("225.00"), tax=Dec("29.25"), gross=Dec("254.25")),
        allocations=[fin.PaymentAllocation(invoice_no=INV, order_no=SO, amount=Dec("154.25"))],
        customer_credit=Dec("100.00"),
        reason="goods returned",
        return_no="RMA-2026-000001",
        issued_at=AT,
    ),
    fin.InvoiceOverdue(
        invoice_no=INV,
        order_no=SO,
        customer_code=CUSTOMER,
        due_date=date(2026, 4, 1),
        days_overdue=7,
        outstanding=Dec("254.25"),
        detected_at=AT,
    ),
    fin.DunningReminderIssued(
        invoice_no=INV,
        order_no=SO,
        customer_code=CUSTOMER,
        level=1,
        days_from_due=-3,
        due_date=date(2026, 4, 1),
        outstanding=Dec("254.25"),
        issued_at=AT,
    ),
    fin.PaymentAllocated(
        order_no=SO,
        payment_no=PAY,
        invoice_no=INV,
        customer_code=CUSTOMER,
        amount=Dec("254.25"),
        invoice_outstanding=Dec("0"),
        invoice_status="paid",
        allocated_at=AT,
    ),
    fin.OrderSettled(order_no=SO, customer_code=CUSTOMER, invoiced=Dec("536.75"), paid=Dec("536.75"), settled_at=AT),
    fin.PaymentReceived(
        payment_no=PAY,
        customer_code=CUSTOMER,
        amount=Dec("300.00"),
        method="bank_transfer",
        reference="CMB-7781",
        received_on=date(2026, 3, 20),
        unallocated=Dec("45.75"),
        received_at=AT,
        allocations=[fin.PaymentAllocation(invoice_no=INV, order_no=SO, amount=Dec("254.25"))],
    ),
    fin.BillCreated(
        bill_no=BILL,
        supplier_code=SUPPLIER,
        po_no=PO,
        grn_no=GRN,
        status="open",
        totals=Amounts(net=Dec("1470.00"), tax=Dec("191.10"), gross=Dec("1661.10")),
        lines=[
            fin.BillLine(
                line_no=1,
                po_line_no=1,
                sku=SKU_A,
                qty=Dec("98"),
                unit_price=Dec("15.00"),
                tax_rate=Dec("0.13"),
                net=Dec("1470.00"),
            )
        ],
        bill_date=date(2026, 3, 2),
        due_date=date(2026, 4, 16),
        created_at=AT,
    ),
    fin.BillHeld(
        bill_no=BILL,
        supplier_code=SUPPLIER,
        po_no=PO,
        grn_no=GRN,
        reason="price_mismatch",
        tolerance_pct=Dec("5"),
        held_at=AT,
        lines=[
            fin.BillMismatchLine(
                line_no=1,
                sku=SKU_A,
                po_unit_price=Dec("15.00"),
                invoice_unit_price=Dec("16.20"),
                qty_received=Dec("98"),
                qty_invoiced=Dec("98"),
            )
        ],
    ),
    fin.BillReleased(
        bill_no=BILL,
        supplier_code=SUPPLIER,
        po_no=PO,
        released_by="u-finance-mgr",
        comment="price increase agreed by purchasing",
        released_at=AT,
    ),
    fin.SupplierPaymentMade(
        payment_no="PAY-2026-000002",
        supplier_code=SUPPLIER,
        amount=Dec("1661.10"),
        method="bank_transfer",
        paid_on=date(2026, 4, 15),
        paid_at=AT,
        allocations=[fin.BillAllocation(bill_no=BILL, po_no=PO, amount=Dec("1661.10"))],
    ),
]

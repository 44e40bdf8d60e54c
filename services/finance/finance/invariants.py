"""Finance's invariants, checked by `tools/invariants.py` (each query selects the violations)."""

from servicekit.invariants import Check

CHECKS = (
    Check(
        "journal entries balanced",
        "SELECT entry_id, sum(debit) AS debit, sum(credit) AS credit FROM journal_lines "
        "GROUP BY entry_id HAVING sum(debit) <> sum(credit)",
    ),
    Check(
        "trial balance balances",
        "SELECT sum(debit) AS debit, sum(credit) AS credit FROM journal_lines HAVING sum(debit) <> sum(credit)",
    ),
    Check(
        "one invoice per shipment",
        "SELECT do_no, count(*) AS invoices FROM invoices GROUP BY do_no HAVING count(*) > 1",
    ),
    Check(
        "receivables subledger equals its control account",
        """
        SELECT sub.total AS open_invoices, ctl.balance AS control_1100 FROM
          (SELECT coalesce(sum(gross - paid), 0) AS total FROM invoices
            WHERE status IN ('open', 'partially_paid')) sub,
          (SELECT coalesce(sum(debit - credit), 0) AS balance FROM journal_lines WHERE account_code = '1100') ctl
        WHERE sub.total <> ctl.balance
        """,
    ),
    Check(
        "invoice paid equals its allocations and credit notes",
        """
        SELECT i.invoice_no, i.paid, a.allocated, n.credited FROM invoices i,
          LATERAL (SELECT coalesce(sum(amount), 0) AS allocated FROM payment_allocations
                   WHERE invoice_no = i.invoice_no) a,
          LATERAL (SELECT coalesce(sum(to_invoice), 0) AS credited FROM credit_notes
                   WHERE invoice_no = i.invoice_no) n,
          LATERAL (SELECT coalesce(sum(amount), 0) AS credited FROM credit_note_allocations
                   WHERE invoice_no = i.invoice_no) o
        WHERE i.paid <> a.allocated + n.credited + o.credited
        """,
    ),
    Check(
        "customer credit subledger equals its control account",
        """
        SELECT sub.total AS unapplied, ctl.balance AS control_2300 FROM
          (SELECT (SELECT coalesce(sum(unallocated), 0) FROM customer_payments)
                + (SELECT coalesce(sum(unapplied), 0) FROM credit_notes) AS total) sub,
          (SELECT coalesce(sum(credit - debit), 0) AS balance FROM journal_lines WHERE account_code = '2300') ctl
        WHERE sub.total <> ctl.balance
        """,
    ),
    Check(
        "inventory account equals the stock valuation",
        """
        SELECT v.total AS stock_values, ctl.balance AS control_1200 FROM
          (SELECT coalesce(sum(value), 0) AS total FROM stock_values) v,
          (SELECT coalesce(sum(debit - credit), 0) AS balance FROM journal_lines WHERE account_code = '1200') ctl
        WHERE v.total <> ctl.balance
        """,
    ),
)

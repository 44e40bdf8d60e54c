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
        "invoice paid equals its allocations",
        """
        SELECT i.invoice_no, i.paid, coalesce(sum(a.amount), 0) AS allocated FROM invoices i
        LEFT JOIN payment_allocations a ON a.invoice_no = i.invoice_no
        GROUP BY i.invoice_no, i.paid HAVING i.paid <> coalesce(sum(a.amount), 0)
        """,
    ),
)

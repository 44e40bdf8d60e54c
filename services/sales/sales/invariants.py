"""Sales' invariants, checked by `tools/invariants.py` (each query selects the violations; $1 = grace seconds)."""

from servicekit.invariants import Check

CHECKS = (
    Check(
        "every saga terminal or within its deadline",
        """
        SELECT order_no, step, status, deadline_at FROM sagas
        WHERE status IN ('active', 'compensating')
          AND (deadline_at IS NULL OR deadline_at < now() - make_interval(secs => $1))
        """,
    ),
    Check(
        "no saga gave up on its compensation",
        "SELECT order_no, step, awaiting_release, awaiting_void, updated_at FROM sagas WHERE status = 'failed'",
    ),
    Check(
        "saga state agrees with the order",
        """
        SELECT o.order_no, o.status, s.step, s.status AS saga_status FROM orders o
        LEFT JOIN sagas s ON s.order_no = o.order_no
        WHERE s.order_no IS NULL
           OR (o.status IN ('pending_approval', 'reserving', 'awaiting_credit') AND s.status <> 'active')
           OR ((o.status = 'backordered') <> (s.status = 'paused'))
           OR (o.status IN ('rejected', 'cancelled')
               AND s.status NOT IN ('compensating', 'compensated', 'aborted', 'failed'))
           OR (s.status = 'completed' AND o.status IN ('pending', 'pending_approval', 'reserving', 'awaiting_credit',
                                                        'backordered', 'rejected', 'cancelled'))
        """,
    ),
    Check(
        "order totals equal the sum of their lines",
        """
        SELECT o.order_no, o.net, o.tax, o.gross, l.net AS lines_net, l.tax AS lines_tax FROM orders o
        JOIN (SELECT order_no, sum(net) AS net, sum(tax) AS tax FROM order_lines GROUP BY order_no) l
          ON l.order_no = o.order_no
        WHERE o.net <> l.net OR o.tax <> l.tax OR o.gross <> o.net + o.tax
        """,
    ),
    Check(
        "shipped never exceeds ordered",
        "SELECT order_no, line_no, qty, shipped_qty FROM order_lines WHERE shipped_qty > qty",
    ),
    Check(
        "status history ends at the current status",
        """
        SELECT o.order_no, o.status, h.to_status FROM orders o
        LEFT JOIN LATERAL (SELECT to_status FROM order_status_history WHERE order_no = o.order_no
                           ORDER BY id DESC LIMIT 1) h ON true
        WHERE h.to_status IS DISTINCT FROM o.status
        """,
    ),
)

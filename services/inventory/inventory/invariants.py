"""Inventory's invariants, checked by `tools/invariants.py` (each query selects the violations)."""

from servicekit.invariants import Check

CHECKS = (
    Check(
        "no negative available stock",
        "SELECT sku, warehouse_code, on_hand, reserved FROM stock WHERE on_hand - reserved < 0 OR reserved < 0",
    ),
    Check(
        "reserved equals the sum of active reservations",
        """
        SELECT s.sku, s.warehouse_code, s.reserved, coalesce(r.total, 0) AS reservations FROM stock s
        FULL JOIN (SELECT sku, warehouse_code, sum(qty) AS total FROM reservations GROUP BY sku, warehouse_code) r
          ON r.sku = s.sku AND r.warehouse_code = s.warehouse_code
        WHERE coalesce(s.reserved, 0) <> coalesce(r.total, 0)
        """,
    ),
    Check(
        "on-hand equals the ledger sum",
        """
        SELECT s.sku, s.warehouse_code, s.on_hand, coalesce(m.total, 0) AS ledger FROM stock s
        FULL JOIN (SELECT sku, warehouse_code, sum(qty_delta) AS total FROM stock_movements
                   GROUP BY sku, warehouse_code) m
          ON m.sku = s.sku AND m.warehouse_code = s.warehouse_code
        WHERE coalesce(s.on_hand, 0) <> coalesce(m.total, 0)
        """,
    ),
    Check(
        "picked never exceeds ordered",
        "SELECT do_no, line_no, qty, picked_qty FROM outbound_lines WHERE picked_qty > qty",
    ),
)

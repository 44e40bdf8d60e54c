"""Purchasing examples."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal as Dec

from contracts import purchasing as pur
from contracts.envelope import Message
from contracts.examples.story import AT, GRN, PO, PO_LINE, PO_TOTALS, PR, SKU_A, SUPPLIER, WAREHOUSE

EXAMPLES: list[Message] = [
    pur.SupplierUpserted(
        supplier_code=SUPPLIER,
        name="宁波紧固件制造有限公司",
        payment_terms_days=45,
        score=Dec("92.5"),
        contacts=[pur.SupplierContact(name="陈静", role="sales", email="chen.jing@example.com")],
        updated_at=AT,
    ),
    pur.RequisitionSubmitted(
        pr_no=PR,
        requester="u-zhao",
        department="operations",
        source="low_stock",
        submitted_at=AT,
        lines=[pur.RequisitionLine(line_no=1, sku=SKU_A, qty=Dec("200"), needed_by=date(2026, 3, 20))],
    ),
    pur.RequisitionApproved(pr_no=PR, approved_by="u-purchasing-mgr", approved_at=AT),
    pur.RequisitionRejected(
        pr_no=PR, level=1, rejected_by="u-purchasing-mgr", comment="stock is enough", rejected_at=AT
    ),
    pur.RequisitionOrdered(pr_no=PR, po_nos=[PO], ordered_at=AT),
    pur.RequisitionCancelled(pr_no=PR, reason="duplicate", cancelled_by="u-zhao", cancelled_at=AT),
    pur.PurchaseOrderApproved(
        po_no=PO,
        supplier_code=SUPPLIER,
        pr_nos=[PR],
        amount=Dec("1695.00"),
        approved_by="u-purchasing-mgr",
        approved_at=AT,
    ),
    pur.PurchaseOrderSent(
        po_no=PO,
        supplier_code=SUPPLIER,
        pr_nos=[PR],
        warehouse_code=WAREHOUSE,
        lines=[PO_LINE],
        totals=PO_TOTALS,
        expected_date=date(2026, 3, 16),
        payment_terms_days=45,
        sent_at=AT,
    ),
    pur.PurchaseOrderShipped(
        po_no=PO,
        supplier_code=SUPPLIER,
        asn_ref="ASN-5512",
        carrier="Deppon",
        tracking_no="DP99887766",
        lines=[pur.AdvanceShipLine(line_no=1, sku=SKU_A, qty_shipped=Dec("100"))],
        expected_arrival=date(2026, 3, 15),
        shipped_at=AT,
    ),
    pur.PurchaseOrderStatusChanged(
        po_no=PO, supplier_code=SUPPLIER, from_status="shipped", to_status="partially_received", at=AT
    ),
    pur.PurchaseOrderClosed(
        po_no=PO,
        supplier_code=SUPPLIER,
        reason="supplier cannot deliver the rest",
        closed_at=AT,
        lines=[
            pur.PurchaseOrderLineProgress(
                line_no=1,
                sku=SKU_A,
                qty_ordered=Dec("100"),
                qty_shipped=Dec("100"),
                qty_received=Dec("100"),
                qty_rejected=Dec("2"),
            )
        ],
    ),
    pur.PurchaseOrderCancelled(
        po_no=PO,
        supplier_code=SUPPLIER,
        reason="requirement withdrawn",
        cancelled_by="u-zhao",
        cancelled_at=AT,
    ),
    pur.PurchaseAnomalyRaised(
        anomaly_id=uuid.UUID("0d9b6c1e-2f55-4c84-a5ce-3f7c0a9e8b12"),
        po_no=PO,
        supplier_code=SUPPLIER,
        anomaly_type="quality_rejection",
        severity="warning",
        details="2 of 100 rejected: damaged packaging",
        grn_no=GRN,
        lines=[pur.AnomalyLine(line_no=1, sku=SKU_A, expected=Dec("100"), actual=Dec("98"))],
        detected_at=AT,
    ),
    pur.ApprovalRequested(
        document_type="purchase_order",
        document_no=PO,
        level=1,
        levels_total=2,
        approver_role="purchasing_manager",
        amount=Dec("1695.00"),
        requested_at=AT,
    ),
    pur.ApprovalDecided(
        document_type="purchase_order",
        document_no=PO,
        level=1,
        approver_role="purchasing_manager",
        decision="approved",
        decided_by="u-purchasing-mgr",
        final=False,
        decided_at=AT,
    ),
    pur.ApprovalEscalated(
        document_type="purchase_order",
        document_no=PO,
        level=2,
        from_role="finance_manager",
        to_role="admin",
        pending_since=AT,
        escalated_at=AT,
    ),
]

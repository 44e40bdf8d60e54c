"""The order saga end to end on the real broker and database, inventory and finance played by the test."""

from __future__ import annotations

import pytest
from sales_testkit import ADMIN, D, Harness, doc, now

from contracts.common import Amounts, StockLine
from contracts.finance import InvoiceIssued, InvoiceLine, OrderSettled, PaymentAllocated
from contracts.inventory import (
    OutboundOrderCreated,
    ShipmentDelivered,
    ShipmentDispatched,
    ShippedLine,
    StockReservationFailed,
)
from sales.invariants import CHECKS
from servicekit.invariants import run_checks
from servicekit.testing import eventually

pytestmark = pytest.mark.integration


async def test_happy_path_confirmed_then_shipped_invoiced_paid_closed(sales: Harness) -> None:
    customer = await sales.customer()
    order = await sales.place(customer, requested_date="2030-01-31", priority=7)
    no = order["order_no"]
    assert no.startswith("SO-") and order["status"] == "reserving"
    # 2 × 100.00 × 0.9 = 180.00 (+23.40 tax); 1.5 × 33.33 = 49.995 → 50.00 (+6.50 tax)
    assert order["totals"] == {"net": "230.00", "tax": "29.90", "gross": "259.90"}
    assert len(order["tracking_token"]) >= 24

    [reserve] = await sales.wait_published(no, "ReserveStock")
    assert [(x["line_no"], x["sku"], D(x["qty"])) for x in reserve["lines"]] == [
        (1, "SKU-A", D(2)),
        (2, "SKU-B", D("1.5")),
    ]
    assert reserve["backorder"] is False and reserve["priority"] == 7
    await sales.reserve_ok(order)

    [credit] = await sales.wait_published(no, "CheckCredit")
    assert (credit["customer_code"], credit["amount"], credit["revision"]) == (customer, "259.90", 1)
    await sales.status_is(no, "awaiting_credit")
    await sales.credit_ok(order)

    [confirmed] = await sales.wait_published(no, "OrderConfirmed")
    assert confirmed["totals"]["gross"] == "259.90" and confirmed["payment_terms_days"] == 30
    assert [x["sku"] for x in confirmed["lines"]] == ["SKU-A", "SKU-B"]
    detail = await sales.status_is(no, "confirmed")
    assert [D(x["reserved_qty"]) for x in detail["lines"]] == [D(2), D("1.5")]
    assert detail["saga"]["status"] == "completed" and detail["saga"]["deadline_at"] is None

    do_no = doc("DO")
    stock = [StockLine(line_no=1, sku="SKU-A", qty=D(2)), StockLine(line_no=2, sku="SKU-B", qty=D("1.5"))]
    await sales.send(
        OutboundOrderCreated(do_no=do_no, order_no=no, warehouse_code="WH1", lines=stock, priority=7, created_at=now())
    )
    shipped = [
        ShippedLine(line_no=1, sku="SKU-A", qty=D(2), unit_cost=D("60")),
        ShippedLine(line_no=2, sku="SKU-B", qty=D("1.5"), unit_cost=D("20")),
    ]
    dispatch = ShipmentDispatched(
        do_no=do_no, order_no=no, warehouse_code="WH1", carrier="SF", tracking_no="SF1", lines=shipped, shipped_at=now()
    )
    await sales.send(dispatch)
    await sales.send(dispatch)  # a re-dispatch notice (new event id) must not count the quantities twice
    await sales.status_is(no, "shipped")
    await sales.send(ShipmentDelivered(do_no=do_no, order_no=no, signed_by="张三", delivered_at=now()))
    await sales.status_is(no, "delivered")

    inv = doc("INV")
    lines = [
        InvoiceLine(
            line_no=1,
            sku="SKU-A",
            qty=D(2),
            unit_price=D(100),
            discount=D("0.1"),
            tax_rate=D("0.13"),
            net=D("180.00"),
            tax=D("23.40"),
        ),
        InvoiceLine(
            line_no=2,
            sku="SKU-B",
            qty=D("1.5"),
            unit_price=D("33.33"),
            discount=D(0),
            tax_rate=D("0.13"),
            net=D("50.00"),
            tax=D("6.50"),
        ),
    ]
    totals = Amounts(net=D("230.00"), tax=D("29.90"), gross=D("259.90"))
    await sales.send(
        InvoiceIssued(
            invoice_no=inv,
            order_no=no,
            do_no=do_no,
            customer_code=customer,
            lines=lines,
            totals=totals,
            issue_date=now().date(),
            due_date=now().date(),
            issued_at=now(),
        ),
        producer="finance",
    )
    await sales.status_is(no, "invoiced")
    await sales.send(
        PaymentAllocated(
            order_no=no,
            payment_no=doc("PAY"),
            invoice_no=inv,
            customer_code=customer,
            amount=D("100.00"),
            invoice_outstanding=D("159.90"),
            invoice_status="partially_paid",
            allocated_at=now(),
        ),
        producer="finance",
    )
    await sales.send(
        PaymentAllocated(
            order_no=no,
            payment_no=doc("PAY"),
            invoice_no=inv,
            customer_code=customer,
            amount=D("159.90"),
            invoice_outstanding=D("0"),
            invoice_status="paid",
            allocated_at=now(),
        ),
        producer="finance",
    )
    detail = await sales.status_is(no, "closed")
    assert [D(x["shipped_qty"]) for x in detail["lines"]] == [D(2), D("1.5")]
    path = [(h["from_status"], h["to_status"]) for h in detail["history"]]
    assert path == [
        (None, "pending"),
        ("pending", "reserving"),
        ("reserving", "awaiting_credit"),
        ("awaiting_credit", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "invoiced"),
        ("invoiced", "paid"),
        ("paid", "closed"),
    ]
    events = [e["step"] + ":" + e["event"] for e in detail["saga"]["steps"]]
    assert events[:2] == ["reserve:requested", "reserve:replied: reserved"]
    assert all(e["at"] for e in detail["saga"]["steps"])
    changed = await sales.wait_published(no, "OrderStatusChanged", count=len(path))
    assert [c["to_status"] for c in changed] == [p[1] for p in path]

    # the customer's progress bar, by order number + token, without a staff login
    r = await sales.client.get(f"/api/v1/track/{no}", params={"token": order["tracking_token"]})
    assert r.status_code == 200, r.text
    steps = r.json()["steps"]
    assert [s["label"] for s in steps] == ["下单", "审核", "配货", "出库", "发货", "签收", "结算"]
    assert all(s["done"] and s["at"] for s in steps)
    assert (await sales.client.get(f"/api/v1/track/{no}", params={"token": "wrong"})).status_code == 404
    assert (await sales.client.get(f"/api/v1/track/{no}")).status_code == 422
    assert (await sales.client.get("/api/v1/track/SO-2026-1", params={"token": "x"})).status_code == 404
    # the staff list shows it
    r = await sales.client.get("/api/v1/orders", params={"customer_code": customer}, headers=ADMIN)
    assert [x["order_no"] for x in r.json()] == [no]


def _invoice(no: str, customer: str, do_no: str, line_no: int, sku: str, qty: str, price: str) -> InvoiceIssued:
    net = (D(qty) * D(price)).quantize(D("0.01"))
    line = InvoiceLine(
        line_no=line_no, sku=sku, qty=D(qty), unit_price=D(price), discount=D(0), tax_rate=D(0), net=net, tax=D(0)
    )
    return InvoiceIssued(
        invoice_no=doc("INV"),
        order_no=no,
        do_no=do_no,
        customer_code=customer,
        lines=[line],
        totals=Amounts(net=net, tax=D(0), gross=net),
        issue_date=now().date(),
        due_date=now().date(),
        issued_at=now(),
    )


async def test_two_shipments_invoiced_each_then_settled(sales: Harness) -> None:
    customer = await sales.customer()
    order = await sales.confirmed(customer)
    no = order["order_no"]
    first, second = doc("DO"), doc("DO")
    await sales.send(
        ShipmentDispatched(
            do_no=first,
            order_no=no,
            warehouse_code="WH1",
            carrier="SF",
            lines=[ShippedLine(line_no=1, sku="SKU-A", qty=D(2), unit_cost=D(1))],
            shipped_at=now(),
        )
    )
    await sales.status_is(no, "partially_shipped")
    # the first shipment's invoice does not make the order invoiced: line 2 has not shipped
    env = await sales.send(_invoice(no, customer, first, 1, "SKU-A", "2", "90.00"), producer="finance")
    await sales.processed(env)
    assert (await sales.detail(no))["status"] == "partially_shipped"
    await sales.send(
        ShipmentDispatched(
            do_no=second,
            order_no=no,
            warehouse_code="WH2",
            carrier="EMS",
            lines=[ShippedLine(line_no=2, sku="SKU-B", qty=D("1.5"), unit_cost=D(1))],
            shipped_at=now(),
        )
    )
    await sales.status_is(no, "shipped")
    await sales.send(_invoice(no, customer, second, 2, "SKU-B", "1.5", "33.33"), producer="finance")
    await sales.status_is(no, "invoiced")
    await sales.send(
        OrderSettled(order_no=no, customer_code=customer, invoiced=D("230.00"), paid=D("230.00"), settled_at=now()),
        producer="finance",
    )
    detail = await sales.status_is(no, "closed")
    assert [h["to_status"] for h in detail["history"]][-5:] == [
        "partially_shipped",
        "shipped",
        "invoiced",
        "paid",
        "closed",
    ]
    assert {s["do_no"] for s in detail["shipments"]} == {first, second}
    tracking = await sales.client.get(f"/api/v1/track/{no}", params={"token": order["tracking_token"]})
    done = {s["key"]: s["done"] for s in tracking.json()["steps"]}
    assert done == {
        "placed": True,
        "approved": True,
        "allocated": True,
        "outbound": True,
        "shipped": True,
        "delivered": False,
        "settled": True,
    }


async def test_invariants_hold_after_the_flows(sales: Harness) -> None:
    """The module's orders (closed ones above, plus a rejected and a backordered one) satisfy every check."""
    customer = await sales.customer()
    rejected = await sales.place(customer)
    await sales.wait_published(rejected["order_no"], "ReserveStock")
    await sales.send(StockReservationFailed(order_no=rejected["order_no"], reason="out_of_stock", failed_at=now()))
    await sales.status_is(rejected["order_no"], "rejected")
    waiting = await sales.place(customer, allow_backorder=True)
    await sales.wait_published(waiting["order_no"], "ReserveStock")
    await sales.send(StockReservationFailed(order_no=waiting["order_no"], reason="out_of_stock", failed_at=now()))
    await sales.status_is(waiting["order_no"], "backordered")
    dsn = sales.runtime.settings.asyncpg_dsn
    results = await eventually(lambda: run_checks(dsn, "sales", CHECKS), lambda rs: all(r.valid for r in rs))
    assert len(results) == len(CHECKS) + 1

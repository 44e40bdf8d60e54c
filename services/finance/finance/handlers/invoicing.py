"""Receivable invoices: one per shipment, priced from the order; voiding; settling a fully paid order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from contracts.finance import InvoiceIssued, InvoiceLine, InvoiceVoided
from contracts.inventory import ShipmentDispatched
from contracts.pricing import cents
from finance.config import FinanceUnit
from finance.db import credit_holds, invoice_lines, invoices, kit, order_lines, sales_orders
from finance.domain import INVOICE_TRANSITIONS, PricedLine, TransitionError, check_transition, totals
from finance.handlers.credit import lock_account
from finance.handlers.payments import apply_credit
from finance.handlers.settlement import settle_if_done
from finance.handlers.stock import value_stock
from finance.ledger import Account, cr, dr, post, reverse
from servicekit import audit
from servicekit.consumer import NotReady
from servicekit.errors import DomainError, NotFoundError
from servicekit.numbering import next_number


class OrderUnknownError(NotReady):
    """The shipment arrived before its OrderConfirmed: it waits for it (see servicekit NotReady)."""


async def invoice_shipment(c: FinanceUnit, msg: ShipmentDispatched) -> None:
    if await c.session.scalar(select(invoices.c.invoice_no).where(invoices.c.do_no == msg.do_no)):
        return  # one invoice per shipment, however often the shipment is delivered
    order = (await c.session.execute(select(sales_orders).where(sales_orders.c.order_no == msg.order_no))).first()
    if order is None:
        raise OrderUnknownError(msg.order_no)
    customer = order.customer_code
    await lock_account(c.session, customer)
    prices = {
        r.line_no: r
        for r in (
            await c.session.execute(select(order_lines).where(order_lines.c.order_no == msg.order_no).with_for_update())
        ).all()
    }
    missing = [x.line_no for x in msg.lines if x.line_no not in prices]
    if missing:
        raise OrderUnknownError(f"{msg.order_no} lines {missing}")
    lines = [
        PricedLine(
            line_no=x.line_no,
            sku=x.sku,
            qty=x.qty,
            unit_price=prices[x.line_no].unit_price,
            discount=prices[x.line_no].discount,
            tax_rate=prices[x.line_no].tax_rate,
            unit_cost=x.unit_cost,
        )
        for x in msg.lines
    ]
    t = totals(lines)
    invoice_no = await next_number(c.session, kit, "INV", c.now)
    issue_date = msg.shipped_at.date()
    due_date = issue_date + timedelta(days=order.payment_terms_days)
    await c.session.execute(
        insert(invoices).values(
            invoice_no=invoice_no,
            order_no=msg.order_no,
            do_no=msg.do_no,
            customer_code=customer,
            currency=order.currency,
            net=t.net,
            tax=t.tax,
            gross=t.gross,
            cost=t.cost,
            paid=0,
            status="open",
            issue_date=issue_date,
            due_date=due_date,
            issued_at=c.now,
        )
    )
    await c.session.execute(
        insert(invoice_lines),
        [
            {
                "invoice_no": invoice_no,
                "line_no": x.line_no,
                "sku": x.sku,
                "qty": x.qty,
                "unit_price": x.unit_price,
                "discount": x.discount,
                "tax_rate": x.tax_rate,
                "net": x.net,
                "tax": x.tax,
                "unit_cost": x.unit_cost,
            }
            for x in lines
        ],
    )
    for x in msg.lines:
        await c.session.execute(
            update(order_lines)
            .where(order_lines.c.order_no == msg.order_no, order_lines.c.line_no == x.line_no)
            .values(shipped_qty=order_lines.c.shipped_qty + x.qty)
        )
    await c.session.execute(
        update(credit_holds)
        .where(credit_holds.c.order_no == msg.order_no)
        .values(invoiced=credit_holds.c.invoiced + t.gross, updated_at=c.now)
    )
    party = ("customer", customer)
    await post(
        c.session,
        entry_date=issue_date,
        at=c.now,
        source_type="invoice",
        source_no=invoice_no,
        legs=[
            dr(Account.AR, t.gross, party),
            cr(Account.REVENUE, t.net),
            cr(Account.OUTPUT_VAT, t.tax),
            dr(Account.COGS, t.cost),
            cr(Account.INVENTORY, t.cost),
        ],
        memo=f"{msg.order_no} {msg.do_no}",
    )
    c.publish(
        InvoiceIssued(
            invoice_no=invoice_no,
            order_no=msg.order_no,
            do_no=msg.do_no,
            customer_code=customer,
            lines=[
                InvoiceLine(
                    line_no=x.line_no,
                    sku=x.sku,
                    qty=x.qty,
                    unit_price=x.unit_price,
                    discount=x.discount,
                    tax_rate=x.tax_rate,
                    net=x.net,
                    tax=x.tax,
                )
                for x in lines
            ],
            currency=order.currency,
            totals={"net": t.net, "tax": t.tax, "gross": t.gross},
            issue_date=issue_date,
            due_date=due_date,
            issued_at=c.now,
        )
    )
    for priced in lines:  # the goods left the stock at their cost
        await value_stock(c, priced.sku, -priced.qty, -priced.cost)
    await audit.record(
        c.session, kit, actor="system", entity="invoice", entity_id=invoice_no, action="issued",
        after={"order_no": msg.order_no, "do_no": msg.do_no, "gross": str(t.gross), "due_date": str(due_date)},
    )  # fmt: skip
    await apply_credit(c, customer)  # earlier overpayments pay new invoices automatically
    await settle_if_done(c, msg.order_no)


async def void_invoice(c: FinanceUnit, invoice_no: str, reason: str) -> dict[str, object]:
    inv = (
        await c.session.execute(select(invoices).where(invoices.c.invoice_no == invoice_no).with_for_update())
    ).first()
    if inv is None:
        raise NotFoundError("invoice", invoice_no)
    if inv.paid > 0:
        raise DomainError(
            "invoice_has_payments",
            f"{invoice_no} has {inv.paid} paid: a paid invoice is not voided, it is credited"
            f" (POST /invoices/{invoice_no}/credit-notes)",
        )
    try:
        check_transition(INVOICE_TRANSITIONS, "invoice", inv.status, "void")
    except TransitionError as exc:
        raise DomainError("invalid_transition", str(exc)) from exc
    await c.session.execute(
        update(invoices)
        .where(invoices.c.invoice_no == invoice_no)
        .values(status="void", voided_at=c.now, void_reason=reason)
    )
    await reverse(c.session, source_type="invoice", source_no=invoice_no, at=c.now, reason=reason)
    for x in await c.session.execute(select(invoice_lines).where(invoice_lines.c.invoice_no == invoice_no)):
        # its cost of goods reversed into the inventory account: the valuation follows the journal
        await value_stock(c, x.sku, x.qty, cents(x.qty * x.unit_cost))
    c.publish(
        InvoiceVoided(
            invoice_no=invoice_no,
            order_no=inv.order_no,
            customer_code=inv.customer_code,
            amount=inv.gross,
            currency=inv.currency,
            reason=reason,
            voided_at=c.now,
        )
    )
    return {"invoice_no": invoice_no, "status": "void", "before": inv.status}

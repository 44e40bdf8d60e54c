"""From an approved requisition to draft purchase orders: the sourcing proposal (a quote per line), buyers'
supplier overrides, and generation (one draft purchase order per chosen supplier)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.purchasing import RequisitionOrdered
from purchasing.config import PurchasingSettings
from purchasing.db import (
    category_tolerances,
    kit,
    products,
    purchase_order_lines,
    purchase_orders,
    requisition_lines,
    supplier_quotes,
    supplier_scores,
    suppliers,
)
from purchasing.domain import PricedLine, tolerance_for, totals
from purchasing.handlers import requisitions
from purchasing.handlers.orders import audit_action, record_created
from purchasing.schemas import Code
from purchasing.sourcing import LineChoice, Need, Quote, propose, split_by_supplier
from purchasing.unit import Tx
from servicekit import audit
from servicekit.auth import Principal
from servicekit.errors import DomainError, InputError
from servicekit.numbering import next_number
from servicekit.runtime import Runtime


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    supplier_code: Code | None = Field(description="null returns the line to the proposed supplier")


async def proposal(session: AsyncSession, pr_no: str, today: date) -> list[LineChoice]:
    lines = await requisitions.lines_of(session, pr_no)
    needs = [Need(ln.line_no, ln.sku, ln.qty, ln.needed_by, ln.supplier_override) for ln in lines]
    q, s, sc = supplier_quotes, suppliers, supplier_scores
    # The score analytics published ranks suppliers; the typed one only stands in for a supplier without one.
    rows = await session.execute(
        select(q, func.coalesce(sc.c.score, s.c.score).label("score"))
        .join(s, s.c.code == q.c.supplier_code)
        .outerjoin(sc, sc.c.supplier_code == q.c.supplier_code)
        .where(q.c.sku.in_({n.sku for n in needs}), s.c.active.is_(True))
    )
    quotes = [
        Quote(
            r.id,
            r.supplier_code,
            r.sku,
            r.unit_price,
            r.currency,
            r.min_qty,
            r.lead_time_days,
            r.valid_from,
            r.valid_to,
            r.tax_rate,
            r.score,
        )
        for r in rows
    ]
    return propose(needs, quotes, today)


async def set_overrides(tx: Tx, principal: Principal, pr_no: str, overrides: Sequence[Override]) -> list[LineChoice]:
    pr = await requisitions.lock(tx.session, pr_no)
    if pr.status != "approved":
        raise DomainError("not_approved", f"requisition {pr_no} is {pr.status}; sourcing needs it approved")
    known = {ln.line_no for ln in await requisitions.lines_of(tx.session, pr_no)}
    for o in overrides:
        if o.line_no not in known:
            raise InputError("line_no", f"requisition {pr_no} has no line {o.line_no}")
        await tx.session.execute(
            update(requisition_lines)
            .where(requisition_lines.c.pr_no == pr_no, requisition_lines.c.line_no == o.line_no)
            .values(supplier_override=o.supplier_code)
        )
    choices = await proposal(tx.session, pr_no, tx.clock.now().date())
    for choice in choices:
        if choice.need.override and not choice.overridden:
            raise DomainError(
                "no_valid_quote",
                f"supplier {choice.need.override} has no valid quote for line {choice.need.line_no}"
                f" ({choice.need.sku}, qty {choice.need.qty})",
            )
    await audit.record(
        tx.session,
        kit,
        actor=principal.sub,
        entity="requisition",
        entity_id=pr_no,
        action="sourcing_overridden",
        after=[o.model_dump(mode="json") for o in overrides],
    )
    return choices


async def _tolerances(
    session: AsyncSession, supplier: Any, skus: set[str], settings: PurchasingSettings
) -> tuple[Decimal, Decimal]:
    """The receipt quantity tolerance and the invoice price tolerance of a new purchase order, each the supplier's
    own, else the strictest of its lines' categories, else the configured default."""
    ct, p = category_tolerances, products
    rows = (
        await session.execute(
            select(ct.c.tolerance_pct, ct.c.price_tolerance_pct)
            .join(p, p.c.category == ct.c.category)
            .where(p.c.sku.in_(skus))
        )
    ).all()
    qty = tolerance_for(supplier.tolerance_pct, [r[0] for r in rows], settings.default_tolerance_pct)
    price_pcts = [r[1] for r in rows if r[1] is not None]
    price = tolerance_for(supplier.price_tolerance_pct, price_pcts, settings.default_price_tolerance_pct)
    return qty, price


async def generate(tx: Tx, runtime: Runtime, principal: Principal, pr_no: str) -> list[str]:
    """One step: an approved requisition becomes one draft purchase order per chosen supplier."""
    pr = await requisitions.lock(tx.session, pr_no)
    if pr.status != "approved":
        raise DomainError("not_approved", f"requisition {pr_no} is {pr.status}; only approved ones are ordered")
    today = tx.clock.now().date()
    choices = await proposal(tx.session, pr_no, today)
    unsourced = [c.need.line_no for c in choices if c.chosen is None]
    if unsourced:
        raise DomainError("unsourced_lines", f"no valid quote for lines {unsourced}", lines=unsourced)
    po_nos = []
    for supplier_code, group in split_by_supplier(choices).items():
        supplier = (await tx.session.execute(select(suppliers).where(suppliers.c.code == supplier_code))).one()
        po_nos.append(await _create_po(tx, runtime, principal, pr, supplier, group))
    await requisitions.move(tx.session, tx.clock, pr, "ordered", principal.sub)
    await tx.publish(RequisitionOrdered(pr_no=pr_no, po_nos=po_nos, ordered_at=tx.clock.now()))
    return po_nos


async def _create_po(
    tx: Tx, runtime: Runtime, principal: Principal, pr: Any, supplier: Any, group: list[LineChoice]
) -> str:
    now = tx.clock.now()
    po_no = await next_number(tx.session, kit, "PO", now)
    lines: list[dict[str, Any]] = []
    for i, choice in enumerate(group, start=1):
        assert choice.chosen is not None
        quote = choice.chosen.quote
        lines.append(
            {
                "po_no": po_no,
                "line_no": i,
                "pr_line_no": choice.need.line_no,
                "sku": choice.need.sku,
                "unit_price": quote.unit_price,
                "tax_rate": quote.tax_rate,
                "expected_date": choice.chosen.expected_date,
                "qty_ordered": choice.need.qty,
            }
        )
    net, tax, gross = totals(PricedLine(ln["qty_ordered"], ln["unit_price"], ln["tax_rate"]) for ln in lines)
    settings = runtime.settings
    assert isinstance(settings, PurchasingSettings)
    tolerance, price_tolerance = await _tolerances(tx.session, supplier, {ln["sku"] for ln in lines}, settings)
    await tx.session.execute(
        insert(purchase_orders).values(
            po_no=po_no,
            supplier_code=supplier.code,
            pr_no=pr.pr_no,
            status="draft",
            currency=group[0].chosen.quote.currency if group[0].chosen else supplier.currency,
            payment_terms_days=supplier.payment_terms_days,
            warehouse_code=pr.warehouse_code,
            expected_date=max(ln["expected_date"] for ln in lines),
            tolerance_pct=tolerance,
            price_tolerance_pct=price_tolerance,
            net=net,
            tax=tax,
            gross=gross,
            created_by=principal.sub,
            created_at=now,
            updated_at=now,
        )
    )
    await tx.session.execute(insert(purchase_order_lines), lines)
    await record_created(tx, po_no, supplier.code, principal.sub, f"from {pr.pr_no}")
    await audit_action(tx, principal.sub, po_no, "created", after={"pr_no": pr.pr_no, "gross": str(gross)})
    return po_no

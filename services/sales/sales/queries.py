"""Reads: an order with its lines, its detail (saga, history, shipments, invoices), lists with filters,
and the customer's tracking view."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sales import domain
from sales.db import invoices, order_lines, order_status_history, orders, returns, sagas, shipments
from sales.handlers.returns import returns_of


def _order_json(order: Any, lines: list[Any]) -> dict[str, Any]:
    data = dict(order)
    data["totals"] = {"net": data["net"], "tax": data["tax"], "gross": data["gross"]}
    data["lines"] = [dict(x) for x in lines]
    return data


async def order_lines_of(session: AsyncSession, order_no: str) -> list[Any]:
    query = select(order_lines).where(order_lines.c.order_no == order_no).order_by(order_lines.c.line_no)
    return list((await session.execute(query)).mappings())


async def order_view(session: AsyncSession, order_no: str) -> dict[str, Any] | None:
    order = (await session.execute(select(orders).where(orders.c.order_no == order_no))).mappings().first()
    if order is None:
        return None
    return _order_json(order, await order_lines_of(session, order_no))


async def order_detail(session: AsyncSession, order_no: str) -> dict[str, Any] | None:
    data = await order_view(session, order_no)
    if data is None:
        return None
    saga = (await session.execute(select(sagas).where(sagas.c.order_no == order_no))).mappings().first()
    data["saga"] = dict(saga) if saga else None
    history = select(order_status_history).where(order_status_history.c.order_no == order_no)
    data["history"] = [dict(r) for r in (await session.execute(history.order_by(order_status_history.c.id))).mappings()]
    ships = select(shipments).where(shipments.c.order_no == order_no).order_by(shipments.c.do_no)
    data["shipments"] = [dict(r) for r in (await session.execute(ships)).mappings()]
    invs = select(invoices).where(invoices.c.order_no == order_no).order_by(invoices.c.invoice_no)
    data["invoices"] = [dict(r) for r in (await session.execute(invs)).mappings()]
    data["returns"] = await returns_of(session, order_no)
    return data


@dataclass(frozen=True)
class OrderFilter:
    statuses: list[str]
    customer_code: str | None
    placed_from: date | None
    placed_to: date | None
    stuck_or_late: bool
    limit: int
    offset: int


def _late(now: datetime) -> Any:
    """Stuck: a saga step (or its compensation) past its deadline, or a compensation that gave up.
    Late: the requested date has passed and nothing has shipped."""
    past_deadline = and_(sagas.c.deadline_at.is_not(None), sagas.c.deadline_at < now)
    not_shipped = orders.c.status.in_(
        [s for s in domain.STATUSES if s not in domain.TERMINAL and s not in domain.SHIPPED_OR_LATER]
    )
    requested_passed = and_(orders.c.requested_date.is_not(None), orders.c.requested_date < now.date(), not_shipped)
    return or_(past_deadline, sagas.c.status == "failed", requested_passed)


async def list_orders(session: AsyncSession, f: OrderFilter, now: datetime) -> list[dict[str, Any]]:
    query = orders_query(f, now).limit(f.limit).offset(f.offset)
    return [dict(r) for r in (await session.execute(query)).mappings()]


def orders_query(f: OrderFilter, now: datetime) -> Any:
    """The order list's query, filtered and ordered, unpaged (exports stream all of it)."""
    late = _late(now)
    query = select(
        orders.c.order_no,
        orders.c.status,
        orders.c.customer_code,
        orders.c.channel,
        orders.c.external_ref,
        orders.c.gross,
        orders.c.currency,
        orders.c.priority,
        orders.c.requested_date,
        orders.c.placed_at,
        sagas.c.step.label("saga_step"),
        sagas.c.status.label("saga_status"),
        sagas.c.deadline_at,
        func.coalesce(late, False).label("late"),
    ).outerjoin(sagas, sagas.c.order_no == orders.c.order_no)
    if f.statuses:
        query = query.where(orders.c.status.in_(f.statuses))
    if f.customer_code:
        query = query.where(orders.c.customer_code == f.customer_code)
    if f.placed_from:
        query = query.where(func.date(func.timezone("UTC", orders.c.placed_at)) >= f.placed_from)
    if f.placed_to:
        query = query.where(func.date(func.timezone("UTC", orders.c.placed_at)) <= f.placed_to)
    if f.stuck_or_late:
        query = query.where(late)
    return query.order_by(orders.c.placed_at.desc(), orders.c.order_no.desc())


async def tracking(session: AsyncSession, order_no: str, token: str) -> dict[str, Any] | None:
    order = (
        await session.execute(
            select(orders.c.order_no, orders.c.status, orders.c.tracking_token, orders.c.placed_at).where(
                orders.c.order_no == order_no
            )
        )
    ).first()
    if order is None or not hmac.compare_digest(order.tracking_token.encode(), token.encode()):
        return None
    reached = dict(
        (
            await session.execute(
                select(order_status_history.c.to_status, func.min(order_status_history.c.at))
                .where(order_status_history.c.order_no == order_no)
                .group_by(order_status_history.c.to_status)
            )
        ).all()
    )
    ship = (
        await session.execute(
            select(
                func.min(func.coalesce(shipments.c.created_at, shipments.c.shipped_at)),
                func.min(shipments.c.shipped_at),
                func.max(shipments.c.delivered_at),
                func.count().filter(shipments.c.shipped_at.is_not(None) & shipments.c.delivered_at.is_(None)),
            ).where(shipments.c.order_no == order_no)
        )
    ).one()
    delivered = reached.get(domain.DELIVERED)
    if delivered is None and ship[2] is not None and ship[3] == 0 and order.status in domain.SHIPPED_OR_LATER:
        delivered = ship[2] if order.status != domain.PARTIALLY_SHIPPED else None
    times = {
        "placed": order.placed_at,
        "approved": reached.get(domain.RESERVING),
        "allocated": reached.get(domain.CONFIRMED),
        "outbound": ship[0],
        "shipped": ship[1],
        "delivered": delivered,
        "settled": reached.get(domain.PAID),
        "returned": await session.scalar(select(func.min(returns.c.received_at)).where(returns.c.order_no == order_no)),
    }
    dispatched = await session.execute(
        select(shipments.c.carrier, shipments.c.tracking_no, shipments.c.shipped_at, shipments.c.delivered_at)
        .where(shipments.c.order_no == order_no, shipments.c.shipped_at.is_not(None))
        .order_by(shipments.c.shipped_at, shipments.c.do_no)
    )
    return {
        "order_no": order.order_no,
        "status": order.status,
        "ended": order.status in (domain.REJECTED, domain.CANCELLED),
        "steps": domain.progress(times),
        "shipments": [dict(r) for r in dispatched.mappings()],
    }

"""Reads: an order with its lines, its detail (saga, history, shipments, invoices, approval chain), lists with filters,
and the customer's tracking view."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from approvals.schemas import ApprovalRead
from approvals.store import load_state
from sales import domain
from sales.db import approval, invoices, order_lines, order_status_history, orders, sagas, shipments
from sales.handlers.placing import SALES_ORDER
from sales.handlers.returns import returns_of
from sales.progress import progress_of


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
    data["progress"] = (await progress_of(session, [data]))[order_no]
    state = await load_state(session, approval, SALES_ORDER, order_no)
    data["approval"] = ApprovalRead.of(state) if state else None
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
    sort: str = "-placed_at"
    placed_after: datetime | None = None
    placed_before: datetime | None = None


# The list's sort keys (a leading "-" for descending); the order number breaks ties, so pages never overlap.
SORTS = {"placed_at": orders.c.placed_at, "requested_date": orders.c.requested_date, "gross": orders.c.gross,
         "priority": orders.c.priority, "order_no": orders.c.order_no}  # fmt: skip
Sort = Literal["placed_at", "-placed_at", "requested_date", "-requested_date", "gross", "-gross", "priority",
               "-priority", "order_no", "-order_no"]  # fmt: skip


def _stuck(now: datetime) -> Any:
    """Stuck: a saga step (or its compensation) past its deadline, or a compensation that gave up."""
    past_deadline = and_(sagas.c.deadline_at.is_not(None), sagas.c.deadline_at < now)
    return or_(past_deadline, sagas.c.status == "failed")


def _overdue(now: datetime) -> Any:
    """Late: the requested date has passed and nothing has shipped."""
    not_shipped = orders.c.status.in_(
        [s for s in domain.STATUSES if s not in domain.TERMINAL and s not in domain.SHIPPED_OR_LATER]
    )
    return and_(orders.c.requested_date.is_not(None), orders.c.requested_date < now.date(), not_shipped)


def _late(now: datetime) -> Any:
    return or_(_stuck(now), _overdue(now))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def list_orders(session: AsyncSession, f: OrderFilter, now: datetime) -> list[dict[str, Any]]:
    """A page of the list, each order with its progress steps."""
    query = orders_query(f, now).limit(f.limit).offset(f.offset)
    rows = [dict(r) for r in (await session.execute(query)).mappings()]
    progress = await progress_of(session, rows)
    return [{**r, "progress": progress[r["order_no"]]} for r in rows]


async def status_counts(session: AsyncSession, f: OrderFilter, now: datetime) -> dict[str, int]:
    """How many orders of the filter are in each status (the board's columns); the status filter ignored."""
    # Without the stuck-or-late filter the counts need no join: one pass over the status index.
    query = _filtered(select(orders.c.status, func.count()), replace(f, statuses=[]), now, join=f.stuck_or_late)
    return {status: count for status, count in (await session.execute(query.group_by(orders.c.status))).all()}


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
        func.coalesce(_stuck(now), False).label("stuck"),
        func.coalesce(_overdue(now), False).label("overdue"),
        orders.c.rejection_reason,
        orders.c.status_reason,
    )
    column, descending = SORTS[f.sort.lstrip("-")], f.sort.startswith("-")
    key = column.desc() if descending else column.asc()
    if column.nullable:
        key = key.nulls_last()
    keys = (
        [key] if column is orders.c.order_no else [key, orders.c.order_no.desc() if descending else orders.c.order_no]
    )
    return _filtered(query, f, now).order_by(*keys)


def _filtered(query: Any, f: OrderFilter, now: datetime, join: bool = True) -> Any:
    """The filter's conditions; placed_from/placed_to are UTC dates, compared as ranges (the index on
    placed_at serves them); placed_after/placed_before are instants (the console's 'today' in Shanghai)."""
    query = query.select_from(orders.outerjoin(sagas, sagas.c.order_no == orders.c.order_no) if join else orders)
    if f.statuses:
        query = query.where(orders.c.status.in_(f.statuses))
    if f.customer_code:
        query = query.where(orders.c.customer_code == f.customer_code)
    if f.placed_from:
        query = query.where(orders.c.placed_at >= _utc_midnight(f.placed_from))
    if f.placed_to:
        query = query.where(orders.c.placed_at < _utc_midnight(f.placed_to + timedelta(days=1)))
    if f.placed_after:
        query = query.where(orders.c.placed_at >= f.placed_after)
    if f.placed_before:
        query = query.where(orders.c.placed_at < f.placed_before)
    if f.stuck_or_late:
        query = query.where(_late(now))
    return query


async def tracking(session: AsyncSession, order_no: str, token: str) -> dict[str, Any] | None:
    order = (
        (
            await session.execute(
                select(orders.c.order_no, orders.c.status, orders.c.tracking_token, orders.c.placed_at).where(
                    orders.c.order_no == order_no
                )
            )
        )
        .mappings()
        .first()
    )
    if order is None or not hmac.compare_digest(order["tracking_token"].encode(), token.encode()):
        return None
    steps = (await progress_of(session, [dict(order)]))[order_no]
    dispatched = [
        dict(r)
        for r in (
            await session.execute(
                select(shipments.c.carrier, shipments.c.tracking_no, shipments.c.shipped_at, shipments.c.delivered_at)
                .where(shipments.c.order_no == order_no, shipments.c.shipped_at.is_not(None))
                .order_by(shipments.c.shipped_at, shipments.c.do_no)
            )
        ).mappings()
    ]
    last = dispatched[-1] if dispatched else None
    return {
        "carrier": last["carrier"] if last else None,
        "tracking_no": last["tracking_no"] if last else None,
        "order_no": order_no,
        "status": order["status"],
        "ended": order["status"] in (domain.REJECTED, domain.CANCELLED),
        "steps": steps,
        "shipments": dispatched,
    }

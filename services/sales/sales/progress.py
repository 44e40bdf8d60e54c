"""The progress bar of orders (下单 → 审核 → 配货 → 出库 → 发货 → 签收 → 结算) with each step's time, for one
order (tracking, the order page) or a page of a list (two grouped queries for the whole page, not two per row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sales import domain
from sales.db import order_status_history, returns, shipments

# The statuses whose first time stamps a step.
_MILESTONES = (domain.RESERVING, domain.CONFIRMED, domain.DELIVERED, domain.PAID)


async def progress_of(session: AsyncSession, orders: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, object]]]:
    """order_no → its steps, for rows carrying `order_no`, `status` and `placed_at`."""
    numbers = [o["order_no"] for o in orders]
    if not numbers:
        return {}
    history = await session.execute(
        select(order_status_history.c.order_no, order_status_history.c.to_status, func.min(order_status_history.c.at))
        .where(order_status_history.c.order_no.in_(numbers), order_status_history.c.to_status.in_(_MILESTONES))
        .group_by(order_status_history.c.order_no, order_status_history.c.to_status)
    )
    reached: dict[str, dict[str, datetime]] = {}
    for number, status, at in history.all():
        reached.setdefault(number, {})[status] = at
    ships = await session.execute(
        select(
            shipments.c.order_no,
            func.min(func.coalesce(shipments.c.created_at, shipments.c.shipped_at)),
            func.min(shipments.c.shipped_at),
            func.max(shipments.c.delivered_at),
            func.count().filter(shipments.c.shipped_at.is_not(None) & shipments.c.delivered_at.is_(None)),
        )
        .where(shipments.c.order_no.in_(numbers))
        .group_by(shipments.c.order_no)
    )
    shipped = {row[0]: row[1:] for row in ships.all()}
    returned = dict(
        (
            await session.execute(
                select(returns.c.order_no, func.min(returns.c.received_at))
                .where(returns.c.order_no.in_(numbers), returns.c.received_at.is_not(None))
                .group_by(returns.c.order_no)
            )
        ).all()
    )
    out = {}
    for o in orders:
        number = o["order_no"]
        out[number] = steps(
            o["status"], o["placed_at"], reached.get(number, {}), shipped.get(number), returned.get(number)
        )
    return out


def steps(
    status: str,
    placed_at: datetime,
    reached: dict[str, datetime],
    ship: Sequence[Any] | None,
    returned: datetime | None = None,
) -> list[dict[str, object]]:
    outbound, first_shipped, last_delivered, undelivered = ship if ship is not None else (None, None, None, 0)
    delivered = reached.get(domain.DELIVERED)
    if delivered is None and last_delivered is not None and undelivered == 0 and status in domain.SHIPPED_OR_LATER:
        delivered = last_delivered if status != domain.PARTIALLY_SHIPPED else None
    times = {
        "placed": placed_at,
        "approved": reached.get(domain.RESERVING),
        "allocated": reached.get(domain.CONFIRMED),
        "outbound": outbound,
        "shipped": first_shipped,
        "delivered": delivered,
        "settled": reached.get(domain.PAID),
        "returned": returned,
    }
    return domain.progress(times)

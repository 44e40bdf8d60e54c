"""Stocktakes (盘点): open a count for a warehouse (expected quantities snapshotted), submit counts, see the
variance (beyond the threshold: StocktakeVarianceDetected), approve to post the variances as adjustments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.inventory import StockAdjusted, StocktakeVarianceDetected, VarianceLine
from inventory import domain
from inventory.config import InventoryUnit
from inventory.db import kit, stock, stocktake_lines, stocktakes, warehouses
from inventory.stock import StockBook
from servicekit import audit
from servicekit.errors import DomainError, NotFoundError
from servicekit.numbering import next_number


async def open_stocktake(
    unit: InventoryUnit, actor: str, warehouse_code: str, skus: Sequence[str], threshold: Decimal
) -> str:
    session, now = unit.session, unit.now
    if await session.scalar(select(warehouses.c.code).where(warehouses.c.code == warehouse_code)) is None:
        raise NotFoundError("warehouse", warehouse_code)
    no = await next_number(session, kit, "ST", now)
    await session.execute(
        stocktakes.insert().values(
            stocktake_no=no, warehouse_code=warehouse_code, status="open", threshold_pct=threshold,
            opened_by=actor, opened_at=now,
        )
    )  # fmt: skip
    query = select(stock.c.sku, stock.c.on_hand).where(stock.c.warehouse_code == warehouse_code)
    if skus:
        query = query.where(stock.c.sku.in_(list(skus)))
    snapshot = {r.sku: r.on_hand for r in await session.execute(query)}
    for sku in skus:
        snapshot.setdefault(sku, domain.ZERO)
    if snapshot:
        await session.execute(
            stocktake_lines.insert().values(
                [{"stocktake_no": no, "sku": s, "expected_qty": q} for s, q in sorted(snapshot.items())]
            )
        )
    await audit.record(session, kit, actor=actor, entity="stocktake", entity_id=no, action="opened")
    return no


async def _lock(session: AsyncSession, no: str, status: str) -> Any:
    st = (await session.execute(select(stocktakes).where(stocktakes.c.stocktake_no == no).with_for_update())).first()
    if st is None:
        raise NotFoundError("stocktake", no)
    if st.status != status:
        raise DomainError("invalid_state", f"stocktake {no} is {st.status}, not {status}", current_status=st.status)
    return st


async def record_counts(unit: InventoryUnit, actor: str, no: str, counts: dict[str, Decimal]) -> None:
    session = unit.session
    await _lock(session, no, "open")
    stmt = insert(stocktake_lines).values(
        [{"stocktake_no": no, "sku": s, "expected_qty": domain.ZERO, "counted_qty": q} for s, q in counts.items()]
    )
    await session.execute(
        stmt.on_conflict_do_update(constraint="pk_stocktake_lines", set_={"counted_qty": stmt.excluded.counted_qty})
    )
    await audit.record(
        session, kit, actor=actor, entity="stocktake", entity_id=no, action="counted",
        after={s: str(q) for s, q in counts.items()},
    )  # fmt: skip


async def _lines(session: AsyncSession, no: str) -> list[Any]:
    query = select(stocktake_lines).where(stocktake_lines.c.stocktake_no == no).order_by(stocktake_lines.c.sku)
    return list(await session.execute(query))


async def submit(unit: InventoryUnit, actor: str, no: str) -> None:
    session, now = unit.session, unit.now
    st = await _lock(session, no, "open")
    lines = await _lines(session, no)
    if any(x.counted_qty is None for x in lines):
        raise DomainError("uncounted_lines", "every line needs a count before submitting")
    await session.execute(
        stocktakes.update().where(stocktakes.c.stocktake_no == no).values(status="submitted", submitted_at=now)
    )
    over = [
        VarianceLine(sku=x.sku, expected_qty=x.expected_qty, counted_qty=x.counted_qty,
                     variance_qty=x.counted_qty - x.expected_qty)
        for x in lines
        if domain.variance_over(x.expected_qty, x.counted_qty, st.threshold_pct)
    ]  # fmt: skip
    if over:
        unit.publish(
            StocktakeVarianceDetected(
                stocktake_no=no, warehouse_code=st.warehouse_code, threshold_pct=st.threshold_pct, lines=over,
                detected_at=now,
            )
        )  # fmt: skip
    await audit.record(session, kit, actor=actor, entity="stocktake", entity_id=no, action="submitted")


async def approve(unit: InventoryUnit, actor: str, no: str) -> None:
    """Post each variance (counted − expected) as a `stocktake` adjustment on today's on-hand."""
    session, now = unit.session, unit.now
    st = await _lock(session, no, "submitted")
    variances = [(x.sku, x.counted_qty - x.expected_qty) for x in await _lines(session, no)]
    variances = [(s, v) for s, v in variances if v != 0]
    book = StockBook.of(unit)
    await book.lock({(s, st.warehouse_code) for s, _ in variances}, create=True)
    for sku, delta in variances:
        cost = book.row(sku, st.warehouse_code).avg_cost  # a variance is valued at the moving average
        row = book.move(
            sku, st.warehouse_code, delta, "stocktake", reason_code="stocktake", reference=no, unit_cost=cost,
            actor=actor,
        )  # fmt: skip
        unit.publish(
            StockAdjusted(
                sku=sku, warehouse_code=st.warehouse_code, qty_delta=delta, on_hand_after=row.on_hand,
                reason_code="stocktake", reference=no, unit_cost=cost, adjusted_by=actor, adjusted_at=now,
            )
        )  # fmt: skip
    await book.flush()
    await session.execute(
        stocktakes.update()
        .where(stocktakes.c.stocktake_no == no)
        .values(status="approved", approved_by=actor, approved_at=now)
    )
    await audit.record(session, kit, actor=actor, entity="stocktake", entity_id=no, action="approved")


async def read(session: AsyncSession, no: str) -> dict[str, Any]:
    st = (await session.execute(select(stocktakes).where(stocktakes.c.stocktake_no == no))).mappings().first()
    if st is None:
        raise NotFoundError("stocktake", no)
    lines = [
        {
            "sku": x.sku,
            "expected_qty": x.expected_qty,
            "counted_qty": x.counted_qty,
            "variance_qty": None if x.counted_qty is None else x.counted_qty - x.expected_qty,
        }
        for x in await _lines(session, no)
    ]
    return {**st, "lines": lines}

"""The stock book of one transaction: stock rows locked in a stable (sku, warehouse) order, changed in
memory, then written back with their ledger movements and the stock events they cause.

Every change to `stock` goes through here, so on-hand always moves together with a ledger movement, the
low-stock alert fires once per crossing, and StockAvailable is emitted whenever available stock rose."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from contracts.envelope import Message
from contracts.inventory import LowStockDetected, StockAvailable
from inventory import domain
from inventory.db import products, stock, stock_movements
from servicekit.errors import DomainError
from servicekit.fastsql import Statement
from servicekit.unit import Batch, Slot, Unit

Publish = Callable[[Message], None]  # a unit's `publish`, or a collector
StockKey = domain.StockKey

_LOCKED_ROWS = (
    select(stock, products.c.reorder_point, products.c.reorder_qty, products.c.avg_cost)
    .join(products, products.c.sku == stock.c.sku)
    .order_by(stock.c.sku, stock.c.warehouse_code)
    .with_for_update(of=stock)
)
# The reservation path's statements, built once (see servicekit.fastsql).
_LOCK_SKUS_IN = Statement(
    _LOCKED_ROWS.where(
        (stock.c.sku == any_(bindparam("skus", type_=ARRAY(String))))
        & (stock.c.warehouse_code == bindparam("warehouse_code"))
    )
)
_LOCK_SKUS_ANYWHERE = Statement(_LOCKED_ROWS.where(stock.c.sku == any_(bindparam("skus", type_=ARRAY(String)))))
# A consumer batch's stock rows, per sku and warehouse, shared by the books of its handlers (see `lock_ahead`).
_AHEAD: Slot[dict[str, dict[str, StockRow]]] = Slot("inventory.stock_ahead")  # sku → warehouse → row
# Every changed row in one statement (they are locked already); its parameters come from `StockBook.settle`.
WRITE_BACK_SQL = (
    "UPDATE stock AS s SET on_hand = v.on_hand, reserved = v.reserved, low_stock = v.low_stock, updated_at = :at"
    " FROM unnest(CAST(:stock_skus AS varchar[]), CAST(:stock_warehouses AS varchar[]),"
    " CAST(:stock_on_hand AS numeric[]), CAST(:stock_reserved AS numeric[]), CAST(:stock_low AS boolean[]))"
    " AS v(sku, warehouse_code, on_hand, reserved, low_stock)"
    " WHERE s.sku = v.sku AND s.warehouse_code = v.warehouse_code"
)
_WRITE_BACK = Statement(text(WRITE_BACK_SQL))


@dataclass
class StockRow:
    sku: str
    warehouse_code: str
    on_hand: Decimal
    reserved: Decimal
    low_stock: bool
    reorder_point: Decimal
    reorder_qty: Decimal
    avg_cost: Decimal
    available_before: Decimal
    changed: bool = False

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


async def lock_ahead(session: AsyncSession, skus: Iterable[str]) -> None:
    """Before a consumer batch's handlers (after its order headers: the lock order): lock and read every stock
    row of these skus, in one sorted statement. The books of the batch's handlers then share these rows (one
    object per row) instead of reading them: each handler's book settles what it changed before the next one
    starts, so the next sees the row as the database will have it (its write-back may be deferred), as a read
    of its own would. A row made later in the batch is shared from its first read."""
    wanted = sorted(set(skus))
    ahead: dict[str, dict[str, StockRow]] = {sku: {} for sku in wanted}
    for r in await _LOCK_SKUS_ANYWHERE.fetch(session, skus=wanted):
        ahead[r["sku"]][r["warehouse_code"]] = _stock_row(r)
    Batch.of(session).set(_AHEAD, ahead)


def _stock_row(r: Any) -> StockRow:
    return StockRow(
        r["sku"],
        r["warehouse_code"],
        r["on_hand"],
        r["reserved"],
        r["low_stock"],
        r["reorder_point"],
        r["reorder_qty"],
        r["avg_cost"],
        r["on_hand"] - r["reserved"],
    )


class StockBook:
    def __init__(self, session: AsyncSession, publish: Publish, now: datetime) -> None:
        self.session = session
        self.publish = publish
        self.now = now
        self.rows: dict[StockKey, StockRow] = {}
        self._movements: list[dict[str, Any]] = []

    @classmethod
    def of(cls, unit: Unit[Any]) -> StockBook:
        """The book of a unit of work: its transaction, its time; the stock events it causes published in it."""
        return cls(unit.session, unit.publish, unit.now)

    async def lock(self, keys: Iterable[StockKey], *, create: bool = False) -> None:
        """Lock these (sku, warehouse) rows; with `create`, missing rows are created first (at zero)."""
        wanted = sorted(set(keys) - set(self.rows))
        if not wanted:
            return
        if create:
            await self.session.execute(
                insert(stock).values([{"sku": s, "warehouse_code": w} for s, w in wanted]).on_conflict_do_nothing()
            )
        await self._select(tuple_(stock.c.sku, stock.c.warehouse_code).in_(wanted))

    async def lock_skus(
        self, skus: Iterable[str], warehouse_code: str | None = None, also: Iterable[StockKey] = ()
    ) -> None:
        """Lock every stock row of these skus (in one warehouse, or all of them), and the rows `also`, in one
        statement so that the rows are locked in one sorted pass."""
        extra = sorted(set(also))
        if not extra:
            wanted = sorted(set(skus))
            ahead = Batch.of(self.session).get(_AHEAD)
            if ahead is not None and all(sku in ahead for sku in wanted):  # the batch's rows: every row of these skus
                for sku in wanted:
                    for wh, row in ahead[sku].items():
                        if warehouse_code is None or wh == warehouse_code:
                            self.rows.setdefault((sku, wh), row)
                return
            if warehouse_code is not None:
                self._keep(await _LOCK_SKUS_IN.fetch(self.session, skus=wanted, warehouse_code=warehouse_code))
            else:
                self._keep(await _LOCK_SKUS_ANYWHERE.fetch(self.session, skus=wanted))
            return
        where: ColumnElement[bool] = stock.c.sku.in_(sorted(set(skus)))
        if warehouse_code is not None:
            where = where & (stock.c.warehouse_code == warehouse_code)
        await self._select(or_(where, tuple_(stock.c.sku, stock.c.warehouse_code).in_(extra)))

    async def _select(self, where: Any) -> None:
        self._keep((await self.session.execute(_LOCKED_ROWS.where(where))).mappings())

    def _keep(self, rows: Iterable[Any]) -> None:
        ahead = Batch.of(self.session).get(_AHEAD)
        for r in rows:
            key = (r["sku"], r["warehouse_code"])
            if key in self.rows:
                continue
            shared = ahead.get(r["sku"]) if ahead is not None else None
            if shared is None:
                self.rows[key] = _stock_row(r)
            else:  # a sku of the batch's: its shared row (made now if the batch had not read it)
                self.rows[key] = shared.setdefault(r["warehouse_code"], _stock_row(r))

    def available(self) -> dict[StockKey, Decimal]:
        return {k: r.available for k, r in self.rows.items()}

    def row(self, sku: str, warehouse_code: str) -> StockRow:
        try:
            return self.rows[(sku, warehouse_code)]
        except KeyError:
            raise DomainError("no_stock", f"no stock of {sku} in warehouse {warehouse_code}") from None

    def reserve(self, sku: str, warehouse_code: str, qty: Decimal) -> None:
        row = self.row(sku, warehouse_code)
        if qty > row.available:
            raise DomainError("insufficient_stock", f"only {row.available} of {sku} available")
        row.reserved += qty
        row.changed = True

    def release(self, sku: str, warehouse_code: str, qty: Decimal) -> None:
        row = self.row(sku, warehouse_code)
        row.reserved = max(domain.ZERO, row.reserved - qty)
        row.changed = True

    def move(
        self,
        sku: str,
        warehouse_code: str,
        qty_delta: Decimal,
        movement_type: str,
        *,
        unreserve: Decimal = domain.ZERO,
        reason_code: str | None = None,
        reason: str | None = None,
        reference: str | None = None,
        unit_cost: Decimal | None = None,
        actor: str | None = None,
    ) -> StockRow:
        """Change on-hand by `qty_delta` (and reserved by −`unreserve`), recording the ledger movement."""
        row = self.row(sku, warehouse_code)
        reserved = row.reserved - unreserve
        if row.on_hand + qty_delta < reserved or reserved < 0:
            raise DomainError(
                "insufficient_stock",
                f"{sku} in {warehouse_code}: on hand {row.on_hand}, reserved {row.reserved}; cannot move {qty_delta}",
                sku=sku,
                warehouse_code=warehouse_code,
            )
        row.on_hand += qty_delta
        row.reserved = reserved
        row.changed = True
        self._movements.append(
            {
                "sku": sku,
                "warehouse_code": warehouse_code,
                "qty_delta": qty_delta,
                "movement_type": movement_type,
                "reason_code": reason_code,
                "reason": reason,
                "reference": reference,
                "unit_cost": unit_cost,
                "actor": actor,
                "at": self.now,
            }
        )
        return row

    async def flush(self) -> None:
        """Write changed rows and movements back; emit LowStockDetected / StockAvailable as they apply."""
        rows = await self.settle()
        if rows["stock_skus"]:
            await _WRITE_BACK.execute(self.session, **rows, at=self.now)
        if self._movements:
            await self.session.execute(insert(stock_movements), self._movements)
            self._movements = []

    async def settle(self) -> dict[str, list[Any]]:
        """Emit LowStockDetected / StockAvailable as they apply to the changed rows, and return them as the
        parameters of `WRITE_BACK_SQL` (the caller writes them, as `flush` does, or within a statement of its
        own). Movements are `flush`'s."""
        changed = [r for r in self.rows.values() if r.changed]
        for r in changed:
            check = domain.low_stock(r.available, r.reorder_point, r.low_stock)
            if check.emit:
                self.publish(
                    LowStockDetected(
                        sku=r.sku,
                        warehouse_code=r.warehouse_code,
                        on_hand=r.on_hand,
                        available=r.available,
                        reorder_point=r.reorder_point,
                        reorder_qty=r.reorder_qty,
                        detected_at=self.now,
                    )
                )
            if r.available > r.available_before:
                self.publish(
                    StockAvailable(
                        sku=r.sku,
                        warehouse_code=r.warehouse_code,
                        on_hand=r.on_hand,
                        reserved=r.reserved,
                        available=r.available,
                        at=self.now,
                    )
                )
            r.low_stock = check.flagged
            r.changed, r.available_before = False, r.available
        return {
            "stock_skus": [r.sku for r in changed],
            "stock_warehouses": [r.warehouse_code for r in changed],
            "stock_on_hand": [r.on_hand for r in changed],
            "stock_reserved": [r.reserved for r in changed],
            "stock_low": [r.low_stock for r in changed],
        }

    @property
    def has_movements(self) -> bool:
        return bool(self._movements)


async def on_hand_total(session: AsyncSession, sku: str) -> Decimal:
    total = await session.scalar(select(func.coalesce(func.sum(stock.c.on_hand), 0)).where(stock.c.sku == sku))
    return Decimal(total or 0)

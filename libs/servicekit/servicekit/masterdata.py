"""Master data a service owns and publishes (sales' customers, purchasing's suppliers), kept one way: a record is a
row per code, inserted or updated as a whole; audited ("created" or "updated", the stored row before it); and its
`*Upserted` event published in the same unit of work. Saved by hand (`create` and `update` for the endpoints,
`save` for a use case) or imported (`upsert`: servicekit.tabular.upsert.Upsert, many at once), from the same
definitions. The owning service says which columns a record has (`columns`) and what its event carries
(`event`); its record model, its routes, roles and lists stay its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Message
from servicekit import audit
from servicekit.auth import Principal
from servicekit.db import KitTables
from servicekit.errors import NotFoundError
from servicekit.idempotency import create_once
from servicekit.tabular.upsert import Upsert
from servicekit.unit import Unit, unit_of

if TYPE_CHECKING:
    from servicekit.runtime import Runtime

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class MasterData(Generic[R]):
    """`key` is both the table's unique column and the record's field; `columns(record)` the row's columns (the
    key included, `updated_at` added here); `event(record, now)` what a saved record publishes."""

    record: type[R]  # the record as created (the key with the rest)
    table: Table
    tables: KitTables  # the owning service's (its audit log)
    noun: str  # the audit's entity, and the 404's: "customer"
    path: str  # where the endpoints keep them: "/customers" (names the create in its idempotency record)
    columns: Callable[[R], dict[str, Any]]
    event: Callable[[R, datetime], Message]
    key: str = "code"

    def values(self, record: R, now: datetime) -> dict[str, Any]:
        return self.columns(record) | {"updated_at": now}

    async def stored(self, session: AsyncSession, key: Any) -> bool:
        column = self.table.c[self.key]
        return await session.scalar(select(column).where(column == key)) is not None

    async def save(self, unit: Unit[Any], actor: str, record: R) -> None:
        """Insert or update the record, audit and publish it, in the unit's transaction."""
        session, key = unit.session, getattr(record, self.key)
        column = self.table.c[self.key]
        before = (await session.execute(select(self.table).where(column == key).with_for_update())).first()
        values = self.values(record, unit.now)
        await session.execute(
            insert(self.table).values(**values).on_conflict_do_update(index_elements=[column], set_=values)
        )
        await audit.record(
            session,
            self.tables,
            actor=actor,
            entity=self.noun,
            entity_id=str(key),
            action="updated" if before else "created",
            before=audit.row_json(before._mapping) if before else None,
            after=record.model_dump(mode="json"),
        )
        unit.publish(self.event(record, unit.now))

    async def create(
        self, runtime: Runtime[Any], response: Response, principal: Principal, idempotency_key: str | None, record: R
    ) -> Any:
        """`POST <path>` (an `Idempotency-Key` answers a repeat with the first answer): 201 and the record."""

        async def work(unit: Unit[Any]) -> Any:
            await self.save(unit, principal.sub, record)
            return record.model_dump(mode="json")

        return await create_once(
            runtime, response, key=idempotency_key, principal=principal.sub, endpoint=f"POST {self.path}",
            body=record, work=work,
        )  # fmt: skip

    async def update(self, runtime: Runtime[Any], principal: Principal, key: str, body: BaseModel) -> R:
        """`PUT <path>/{code}`: a stored record replaced by `body` (the record but its key); 404 for an unknown
        code. Returns the record saved."""
        async with runtime.db.transaction() as session, unit_of(session, runtime, principal.sub) as unit:
            if not await self.stored(session, key):
                raise NotFoundError(self.noun, key)
            record = self.record.model_validate({self.key: key, **body.model_dump()})
            await self.save(unit, principal.sub, record)
        return record

    def upsert(self, record_of: Callable[[Any], R] | None = None) -> Upsert:
        """The import of this master data: its rows (each the record itself, or `record_of(row)`) as records."""
        as_record: Callable[[Any], R] = record_of or (lambda row: row)
        return Upsert(
            table=self.table,
            key=self.key,
            noun=self.noun,
            values=lambda row, now: self.values(as_record(row), now),
            event=lambda row, now: self.event(as_record(row), now),
        )

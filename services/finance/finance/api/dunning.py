"""Dunning per customer (催收): groups of reminder offsets (finance_manager), a customer's group."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from contracts.common import Code, Name
from finance.api import FinanceManager, FinanceReader, files, plain
from finance.config import RuntimeDep
from finance.db import credit_accounts, dunning_groups, kit
from servicekit import audit
from servicekit.errors import NotFoundError
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["dunning"])


def _unique(offsets: list[int]) -> list[int]:
    if len(set(offsets)) != len(offsets):
        raise ValueError("an offset is listed twice")
    return sorted(offsets)


class DunningGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    offsets_days: Annotated[
        list[Annotated[int, Field(ge=-90, le=365)]],
        Field(min_length=1, max_length=12, description="days from the due date (negative: before it)"),
        AfterValidator(_unique),
    ]


class CustomerDunning(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dunning_group: Code | None = Field(description="the group's code; null: the service's default offsets")


@router.get("/dunning-groups")
async def list_groups(runtime: RuntimeDep, _: FinanceReader, format: FormatQuery = None) -> Any:
    query = select(dunning_groups).order_by(dunning_groups.c.code)
    if format:
        return export_query(runtime.db, query, files.DUNNING_GROUPS, fmt=format, name="dunning-groups")
    async with runtime.db.transaction() as s:
        return plain([dict(r) for r in (await s.execute(query)).mappings()])


@router.put("/dunning-groups/{code}")
async def put_group(code: str, body: DunningGroupIn, runtime: RuntimeDep, who: FinanceManager) -> Any:
    """Create or change a dunning group: its customers are reminded at these offsets from each due date."""
    now = runtime.clock.now()
    values = {"name": body.name, "offsets_days": body.offsets_days, "updated_at": now}
    async with runtime.db.transaction() as s:
        stmt = insert(dunning_groups).values(code=code, **values)
        await s.execute(stmt.on_conflict_do_update(index_elements=[dunning_groups.c.code], set_=values))
        await audit.record(
            s, kit, actor=who.sub, entity="dunning_group", entity_id=code, action="saved",
            after={"name": body.name, "offsets_days": body.offsets_days},
        )  # fmt: skip
    return plain({"code": code, **values})


@router.put("/customers/{customer_code}/dunning-group")
async def set_customer_group(
    customer_code: str, body: CustomerDunning, runtime: RuntimeDep, who: FinanceManager
) -> Any:
    """Put a customer in a dunning group (or back on the default offsets with null)."""
    async with runtime.db.transaction() as s:
        if body.dunning_group is not None and not await s.scalar(
            select(dunning_groups.c.code).where(dunning_groups.c.code == body.dunning_group)
        ):
            raise NotFoundError("dunning group", body.dunning_group)
        before = await s.scalar(
            update(credit_accounts)
            .where(credit_accounts.c.customer_code == customer_code)
            .values(dunning_group=body.dunning_group)
            .returning(credit_accounts.c.customer_code)
        )
        if before is None:
            raise NotFoundError("customer", customer_code)
        await audit.record(
            s, kit, actor=who.sub, entity="credit_account", entity_id=customer_code, action="dunning_group_set",
            after={"dunning_group": body.dunning_group},
        )  # fmt: skip
    return {"customer_code": customer_code, "dunning_group": body.dunning_group}

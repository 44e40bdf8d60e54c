"""Rules CRUD (admin writes; managers and auditors read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import delete, insert, select, update

from notifier.api import files
from notifier.api.deps import Admin, ManagerRead, jsonable
from notifier.db import kit, rules
from notifier.handlers import rule_cache
from notifier.rules import RuleCreate, RuleRead, RuleWrite
from servicekit import audit
from servicekit.app import RuntimeDep
from servicekit.errors import DomainError, NotFoundError
from servicekit.tabular import FormatQuery, export_query

router = APIRouter(tags=["rules"])
_FIELDS = tuple(RuleRead.model_fields)


def _read(row: Any) -> RuleRead:
    return RuleRead.model_validate({k: getattr(row, k) for k in _FIELDS})


@router.get("/rules", response_model=list[RuleRead])
async def list_rules(runtime: RuntimeDep, _: ManagerRead, kind: str | None = None, format: FormatQuery = None) -> Any:
    query = select(rules).order_by(rules.c.code)
    if kind:
        query = query.where(rules.c.kind == kind)
    if format:
        return export_query(runtime.db, query, files.RULES, fmt=format, name="rules")
    async with runtime.db.transaction() as session:
        return [_read(r) for r in (await session.execute(query)).all()]


@router.get("/rules/{code}", response_model=RuleRead)
async def get_rule(code: str, runtime: RuntimeDep, _: ManagerRead) -> RuleRead:
    async with runtime.db.transaction() as session:
        row = (await session.execute(select(rules).where(rules.c.code == code))).first()
    if row is None:
        raise NotFoundError("rule", code)
    return _read(row)


@router.post("/rules", status_code=201, response_model=RuleRead)
async def create_rule(body: RuleCreate, runtime: RuntimeDep, principal: Admin) -> RuleRead:
    values = body.model_dump(mode="json")
    async with runtime.db.transaction() as session:
        if await session.scalar(select(rules.c.code).where(rules.c.code == body.code)) is not None:
            raise DomainError("rule_exists", f"rule {body.code} already exists")
        now = runtime.clock.now()
        await session.execute(insert(rules).values(**values, created_at=now, updated_at=now))
        await audit.record(
            session, kit, actor=principal.sub, entity="rule", entity_id=body.code, action="created", after=values
        )
    rule_cache.invalidate()
    return RuleRead.model_validate(values)


@router.put("/rules/{code}", response_model=RuleRead)
async def replace_rule(code: str, body: RuleWrite, runtime: RuntimeDep, principal: Admin) -> RuleRead:
    values = body.model_dump(mode="json")
    async with runtime.db.transaction() as session:
        before = (await session.execute(select(rules).where(rules.c.code == code).with_for_update())).first()
        if before is None:
            raise NotFoundError("rule", code)
        await session.execute(
            update(rules).where(rules.c.code == code).values(**values, updated_at=runtime.clock.now())
        )
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="rule",
            entity_id=code,
            action="updated",
            before=jsonable(before._mapping),
            after=values,
        )
    rule_cache.invalidate()
    return RuleRead.model_validate({"code": code, **values})


@router.delete("/rules/{code}", status_code=204)
async def delete_rule(code: str, runtime: RuntimeDep, principal: Admin) -> Response:
    async with runtime.db.transaction() as session:
        before = (await session.execute(delete(rules).where(rules.c.code == code).returning(rules))).first()
        if before is None:
            raise NotFoundError("rule", code)
        await audit.record(
            session,
            kit,
            actor=principal.sub,
            entity="rule",
            entity_id=code,
            action="deleted",
            before=jsonable(before._mapping),
        )
    rule_cache.invalidate()
    return Response(status_code=204)

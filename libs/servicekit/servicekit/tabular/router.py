"""The import and export endpoints of a service, made once: the service declares its import kinds and gets

GET  /imports                        the kinds, their columns and modes
GET  /imports/{kind}/template        the .xlsx template
POST /imports/{kind}?mode=&dry_run=  upload a file (multipart `file`): a job, answered when done within
                                     `wait` seconds (200), else 202 and the job to poll
GET  /import-jobs                    recent jobs (?kind=)
GET  /import-jobs/{id}               the job: status, counts, the first errors
GET  /import-jobs/{id}/errors        every error, paged, as JSON
GET  /import-jobs/{id}/report        the error report: the original rows plus an 错误 / Error column (.xlsx)
POST /import-jobs/{id}/commit        commit the file a dry run validated (checked again, then stored)
"""
# No `from __future__ import annotations`: the endpoints are declared in `import_router` and FastAPI must resolve
# their annotations, which name its locals.

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Table, func, literal_column, select

from servicekit.auth import Principal, authenticate
from servicekit.errors import DomainError, NotFoundError
from servicekit.runtime import RuntimeDep
from servicekit.tabular.export import FormatQuery, columns, export_query, file_name, file_pieces
from servicekit.tabular.jobs import Importer
from servicekit.tabular.kinds import ImportKind, Mode, RowError
from servicekit.tabular.reading import FileRejectedError, read_table
from servicekit.tabular.store import summary
from servicekit.tabular.workbooks import error_report, template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_ERRORS = 200
Caller = Annotated[Principal, Depends(authenticate)]
JOB_COLUMNS = columns(
    ("id", "任务号", "Job"),
    ("kind", "导入类型", "Kind"),
    ("mode", "方式", "Mode"),
    ("dry_run", "试运行", "Dry run"),
    ("status", "状态", "Status"),
    ("file_name", "文件名", "File"),
    ("content_hash", "文件摘要", "SHA-256"),
    ("total_rows", "总行数", "Rows"),
    ("valid_rows", "有效行数", "Valid rows"),
    ("error_count", "错误数", "Errors"),
    ("stored_rows", "导入行数", "Stored rows"),
    ("duplicate_of", "重复于", "Duplicate of"),
    ("detail", "说明", "Detail"),
    ("created_by", "导入人", "By"),
    ("created_at", "上传时间", "Uploaded (UTC)"),
    ("finished_at", "完成时间", "Finished (UTC)"),
)


def _allowed(kind: ImportKind, principal: Principal, *, read: bool = False) -> None:
    roles = set(kind.roles) | {"admin"} | ({"auditor"} if read else set())
    if not principal.has_any(frozenset(roles)):
        raise HTTPException(403, f"{kind.name} imports require one of the roles: {', '.join(sorted(roles))}")


def import_router(kinds: Sequence[ImportKind], jobs: Table) -> APIRouter:
    router = APIRouter(tags=["imports"])

    def importer(request: Request) -> Importer:
        found: Importer | None = getattr(request.app.state, "importer", None)
        if found is None:
            found = Importer(request.app.state.runtime, jobs, kinds)
            request.app.state.importer = found
        return found

    Imports = Annotated[Importer, Depends(importer)]  # noqa: N806

    async def job_of(imports: Importer, job_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        async with imports.runtime.db.transaction() as session:
            job = await imports.summary(session, job_id)
        if job is None:
            raise NotFoundError("import job", job_id)
        _allowed(imports.kind(job["kind"]), principal, read=True)
        return job

    async def answer(imports: Importer, job_id: uuid.UUID, principal: Principal, wait: float) -> JSONResponse:
        await imports.wait(job_id, wait)
        async with imports.runtime.db.transaction() as session:
            job = await imports.summary(session, job_id)
            errors = await session.scalar(select(_errors(jobs, 0, FIRST_ERRORS)).where(jobs.c.id == job_id))
        assert job is not None
        running = job["status"] in ("validating", "committing")
        body = _jsonable(job) | {"errors": errors or []}
        headers = {"Location": f"/api/v1/import-jobs/{job_id}"}
        return JSONResponse(body, status_code=202 if running else 200, headers=headers)

    @router.get("/imports")
    async def list_kinds(_: Caller) -> list[dict[str, Any]]:
        return [
            {
                "kind": k.name,
                "title": {"zh": k.title_zh, "en": k.title_en},
                "modes": list(k.modes),
                "roles": list(k.roles),
                "columns": [
                    {
                        "key": c.key,
                        "zh": c.zh,
                        "en": c.en,
                        "required": c.required,
                        "format": c.kind,
                        "choices": list(c.choices),
                        "note": c.note,
                    }
                    for c in k.columns
                ],
            }
            for k in kinds
        ]

    @router.get("/imports/{kind}/template", response_class=Response)
    async def get_template(kind: str, imports: Imports, principal: Caller) -> Response:
        found = imports.kind(kind)
        _allowed(found, principal, read=True)
        body = await asyncio.to_thread(template, found)
        name = file_name(f"{kind}-template", "xlsx")
        return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.post("/imports/{kind}", status_code=200, response_class=JSONResponse)
    async def upload(
        kind: str,
        imports: Imports,
        runtime: RuntimeDep,
        principal: Caller,
        file: Annotated[UploadFile, File(description=".xlsx, .xls or .csv (UTF-8 or GB18030)")],
        mode: Mode = "upsert",
        dry_run: Annotated[bool, Query(description="validate and test-store, keep nothing")] = True,
        wait: Annotated[float, Query(ge=0, le=60, description="seconds to wait for the result")] = 10,
    ) -> JSONResponse:
        found = imports.kind(kind)
        _allowed(found, principal)
        data = await _read_upload(file, runtime.settings.import_max_bytes)
        job_id = await imports.submit(
            found, mode=mode, dry_run=dry_run, file_name=file.filename or "upload", data=data, actor=principal.sub
        )
        return await answer(imports, job_id, principal, wait)

    @router.post("/import-jobs/{job_id}/commit", response_class=JSONResponse)
    async def commit(
        job_id: uuid.UUID,
        imports: Imports,
        principal: Caller,
        wait: Annotated[float, Query(ge=0, le=60)] = 10,
    ) -> JSONResponse:
        job = await job_of(imports, job_id, principal)
        found = imports.kind(job["kind"])
        _allowed(found, principal)
        if job["status"] != "validated":
            raise DomainError("not_validated", f"job {job_id} is {job['status']}: only a validated dry run commits")
        async with imports.runtime.db.transaction() as session:
            data: bytes = (await session.execute(select(jobs.c.file).where(jobs.c.id == job_id))).scalar_one()
        new_id = await imports.submit(
            found, mode=job["mode"], dry_run=False, file_name=job["file_name"], data=data, actor=principal.sub
        )
        return await answer(imports, new_id, principal, wait)

    @router.get("/import-jobs")
    async def list_jobs(
        imports: Imports,
        principal: Caller,
        kind: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        format: FormatQuery = None,
    ) -> Any:
        """The import log, newest first (as a file: every job of the kinds visible to the caller)."""
        visible = [k.name for k in kinds if principal.has_any(frozenset({*k.roles, "admin", "auditor"}))]
        query = select(*summary(jobs)).where(jobs.c.kind.in_([kind] if kind in visible else [] if kind else visible))
        if format:
            return export_query(imports.runtime.db, query.order_by(jobs.c.created_at.desc()), JOB_COLUMNS,
                                fmt=format, name="import-jobs")  # fmt: skip
        async with imports.runtime.db.transaction() as session:
            rows = (await session.execute(query.order_by(jobs.c.created_at.desc()).limit(limit))).mappings()
            return [_jsonable(dict(r)) for r in rows if r["kind"] in visible]

    @router.get("/import-jobs/{job_id}", response_class=JSONResponse)
    async def get_job(
        job_id: uuid.UUID, imports: Imports, principal: Caller, wait: Annotated[float, Query(ge=0, le=60)] = 0
    ) -> JSONResponse:
        await job_of(imports, job_id, principal)
        return await answer(imports, job_id, principal, wait)

    @router.get("/import-jobs/{job_id}/errors")
    async def get_errors(
        job_id: uuid.UUID,
        imports: Imports,
        principal: Caller,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> dict[str, Any]:
        job = await job_of(imports, job_id, principal)
        async with imports.runtime.db.transaction() as session:
            errors = await session.scalar(select(_errors(jobs, offset, limit)).where(jobs.c.id == job_id))
        return {"error_count": job["error_count"], "offset": offset, "errors": errors or []}

    @router.get("/import-jobs/{job_id}/report", response_class=StreamingResponse)
    async def get_report(job_id: uuid.UUID, imports: Imports, principal: Caller) -> StreamingResponse:
        job = await job_of(imports, job_id, principal)
        async with imports.runtime.db.transaction() as session:
            row = (await session.execute(select(jobs.c.file, jobs.c.errors).where(jobs.c.id == job_id))).one()
        path = await asyncio.to_thread(_write_report, row.file, job["file_name"], row.errors, imports)
        name = file_name(f"{job['kind']}-errors", "xlsx")
        return StreamingResponse(
            _pieces_then_delete(path),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router


def _errors(jobs: Table, offset: int, limit: int) -> Any:
    """A page of the job's errors (offset and limit are validated integers)."""
    path: Any = literal_column(f"'$[{int(offset)} to {int(offset) + int(limit) - 1}]'::jsonpath")
    return func.jsonb_path_query_array(jobs.c.errors, path)


def _write_report(data: bytes, name: str, errors: list[dict[str, Any]], imports: Importer) -> str:
    table = read_table(data, name, max_rows=imports.runtime.settings.import_max_rows)
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="import-errors-")
    os.close(fd)
    error_report(path, table, [RowError(e["row"], e["column"], e["value"], e["reason"]) for e in errors])
    return path


async def _pieces_then_delete(path: str) -> AsyncIterator[bytes]:
    try:
        async for piece in file_pieces(path):
            yield piece
    finally:
        os.unlink(path)


async def _read_upload(file: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes, refused once past the limit (413) without reading the rest."""
    chunks: list[bytes] = []
    size = 0
    while piece := await file.read(1 << 20):
        size += len(piece)
        if size > max_bytes:
            raise FileRejectedError("file_too_large", f"the file is larger than {max_bytes} bytes", status=413)
        chunks.append(piece)
    return b"".join(chunks)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        out[k] = (
            v
            if v is None or isinstance(v, str | int | bool | list | dict)
            else (v.isoformat() if hasattr(v, "isoformat") else str(v))
        )
    return out

"""Running an import job: read and validate the file (in a worker thread: it is CPU work), then the kind's
batched lookups, then — unless it is a dry run — store every row in ONE transaction with the job's own status,
so a file is committed whole or not at all. The same file (kind and content hash) is committed at most once:
a second commit finds the first under an advisory lock and answers `duplicate`, storing nothing.

A job runs as a task of the process that received it and beats a heartbeat meanwhile; one whose process died
stops beating and reads as `failed` (its transaction never committed, so nothing of it was stored)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit import audit
from servicekit.errors import DomainError, NotFoundError
from servicekit.runtime import Runtime
from servicekit.tabular.kinds import ImportContext, ImportKind, Mode, RowError
from servicekit.tabular.reading import read_table
from servicekit.tabular.store import RUNNING, summary
from servicekit.tabular.validation import Validated, validate

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=60)


class _RejectedError(Exception):
    """Errors found inside the job's transaction: it rolls back."""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Importer:
    """The import jobs of one service process."""

    def __init__(self, runtime: Runtime[Any], table: Table, kinds: Sequence[ImportKind]) -> None:
        self.runtime = runtime
        self.table = table
        self.kinds = {k.name: k for k in kinds}
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def kind(self, name: str) -> ImportKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise NotFoundError("import kind", name) from None

    async def submit(
        self, kind: ImportKind, *, mode: Mode, dry_run: bool, file_name: str, data: bytes, actor: str
    ) -> uuid.UUID:
        if mode not in kind.modes:
            raise DomainError("mode_not_supported", f"{kind.name} imports support {', '.join(kind.modes)}")
        # Refuse an unreadable file at once (wrong type, empty, too many rows), before a job exists.
        await asyncio.to_thread(read_table, data, file_name, max_rows=self.runtime.settings.import_max_rows)
        job_id = uuid.uuid4()
        async with self.runtime.db.transaction() as session:
            await session.execute(
                self.table.insert().values(
                    id=job_id,
                    kind=kind.name,
                    mode=mode,
                    dry_run=dry_run,
                    status="validating",
                    file_name=file_name[:255],
                    content_hash=content_hash(data),
                    file=data,
                    created_by=actor,
                )
            )
        self.tasks[job_id] = asyncio.create_task(self._run(job_id, kind), name=f"import-{job_id}")
        self.tasks[job_id].add_done_callback(lambda _: self.tasks.pop(job_id, None))
        return job_id

    async def wait(self, job_id: uuid.UUID, seconds: float) -> None:
        task = self.tasks.get(job_id)
        if task is not None and seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), seconds)

    async def _run(self, job_id: uuid.UUID, kind: ImportKind) -> None:
        beat = asyncio.create_task(self._heartbeat(job_id))
        try:
            await self._process(job_id, kind)
        except Exception as exc:
            log.exception("import job %s failed", job_id)
            await self._finish(job_id, status="failed", detail=f"{type(exc).__name__}: {exc}")
        finally:
            beat.cancel()

    async def _heartbeat(self, job_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            async with self.runtime.db.autocommit() as session:
                await session.execute(
                    update(self.table)
                    .where((self.table.c.id == job_id) & self.table.c.status.in_(RUNNING))
                    .values(updated_at=func.now())
                )

    async def load(self, session: AsyncSession, job_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await session.execute(select(self.table).where(self.table.c.id == job_id))).mappings().first()
        return dict(row) if row is not None else None

    async def _process(self, job_id: uuid.UUID, kind: ImportKind) -> None:
        async with self.runtime.db.transaction() as session:
            job = await self.load(session, job_id)
        assert job is not None
        result = await asyncio.to_thread(self._validate, kind, job["file"], job["file_name"])
        if result.errors and result.errors[0].row == 1 and not result.rows:  # the header is wrong: no row checks
            await self._finish(job_id, status="rejected", result=result)
            return
        try:
            await self._store(job, kind, result)
        except _RejectedError:  # the transaction rolled back: nothing stored
            result.sort()
            await self._finish(job_id, status="rejected", result=result)

    async def _store(self, job: dict[str, Any], kind: ImportKind, result: Validated) -> None:
        """Checks, then the rows stored with the job's status in one transaction (a dry run rolls them back)."""
        job_id, digest = job["id"], job["content_hash"]
        if not job["dry_run"]:
            async with self.runtime.db.autocommit() as session:  # seen by pollers while the commit runs
                await self._set(session, job_id, status="committing")
        async with self.runtime.db.transaction() as session:
            now = self.runtime.clock.now()
            ctx = ImportContext(session, self.runtime, job["created_by"], job["mode"], str(job_id), now)
            if not job["dry_run"]:
                lock = text("SELECT pg_advisory_xact_lock(hashtext(:k))")
                await session.execute(lock, {"k": f"import:{kind.name}:{digest}"})
            first = await self._committed_before(session, kind.name, digest, job_id)
            if first is not None and not job["dry_run"]:
                detail = f"this file was already imported by job {first}; nothing stored"
                await self._finish(job_id, status="duplicate", result=result, duplicate_of=first, detail=detail,
                                   session=session)  # fmt: skip
                return
            result.errors.extend(await kind.check(ctx, result.rows))
            if result.errors:
                raise _RejectedError
            try:
                savepoint = await session.begin_nested()
                stored = await kind.apply(ctx, result.rows)
                if job["dry_run"]:
                    await savepoint.rollback()  # the test run: everything checked by storing it, nothing kept
                else:
                    await savepoint.commit()
            except DomainError as exc:  # a rule only storing could see: the whole file is rejected
                result.errors.append(RowError(0, "-", None, f"{exc.code}: {exc.detail}"))
                raise _RejectedError from exc
            if job["dry_run"]:
                again = f"already imported by job {first}: committing it again stores nothing" if first else None
                await self._finish(job_id, status="validated", result=result, detail=again, stored=stored,
                                   session=session)  # fmt: skip
                return
            await audit.record(
                session,
                self.runtime.tables,
                actor=job["created_by"],
                entity="import",
                entity_id=str(job_id),
                action=f"committed:{kind.name}",
                after={"file": job["file_name"], "sha256": digest, "mode": job["mode"], "rows": stored},
            )
            await self._finish(job_id, status="committed", result=result, stored=stored, session=session)

    def _validate(self, kind: ImportKind, data: bytes, file_name: str) -> Validated:
        return validate(kind, read_table(data, file_name, max_rows=self.runtime.settings.import_max_rows))

    async def _committed_before(
        self, session: AsyncSession, kind: str, digest: str, job_id: uuid.UUID
    ) -> uuid.UUID | None:
        t = self.table
        found: uuid.UUID | None = await session.scalar(
            select(t.c.id).where(
                (t.c.kind == kind) & (t.c.content_hash == digest) & (t.c.status == "committed") & (t.c.id != job_id)
            )
        )
        return found

    async def _set(self, session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
        await session.execute(
            update(self.table).where(self.table.c.id == job_id).values(updated_at=func.now(), **values)
        )

    async def _finish(
        self,
        job_id: uuid.UUID,
        *,
        status: str,
        result: Validated | None = None,
        detail: str | None = None,
        stored: int | None = None,
        duplicate_of: uuid.UUID | None = None,
        session: AsyncSession | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "finished_at": func.now(), "detail": detail}
        if result is not None:
            values |= {
                "total_rows": result.total,
                "valid_rows": len(result.rows),
                "error_count": len(result.errors),
                "errors": [e.as_dict() for e in result.errors],
            }
        if stored is not None:
            values["stored_rows"] = stored
        if duplicate_of is not None:
            values["duplicate_of"] = duplicate_of
        if session is not None:
            await self._set(session, job_id, **values)
            return
        async with self.runtime.db.transaction() as own:
            await self._set(own, job_id, **values)

    async def summary(self, session: AsyncSession, job_id: uuid.UUID) -> dict[str, Any] | None:
        """The job as clients poll it; a running job whose heartbeat stopped is marked failed first."""
        t = self.table
        stale = (t.c.id == job_id) & t.c.status.in_(RUNNING) & (t.c.updated_at < func.now() - STALE_AFTER)
        if job_id not in self.tasks:
            await session.execute(
                update(t)
                .where(stale)
                .values(
                    status="failed",
                    finished_at=func.now(),
                    detail="interrupted (its process stopped); nothing was stored: upload it again",
                )
            )
        row = (await session.execute(select(*summary(t)).where(t.c.id == job_id))).mappings().first()
        return dict(row) if row is not None else None

"""Alembic glue shared by the services: the common env.py body, the kit tables' schema, and running
migrations at start-up (one replica at a time, under an advisory lock)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from servicekit.db import kit_tables, new_metadata

KIT_TABLES = ("outbox", "inbox", "audit_log", "idempotency_keys", "document_sequences")


def create_kit_schema() -> None:
    """Create the shared tables (as `kit_tables` declares them now). Called from each service's first migration;
    later changes to the kit tables come as new helpers called from new migrations, written so that they also
    apply to a database this function created after the change (see `outbox_keeps_only_unsent`)."""
    bind = op.get_bind()
    metadata = new_metadata()
    kit_tables(metadata)
    metadata.create_all(bind)


def outbox_keeps_only_unsent() -> None:
    """Kit tables, version 2: the relay deletes the rows it has published (a delete is far cheaper than marking
    them, which rewrote each row and its index entries), so the outbox holds only what is still to be sent and
    `published_at` goes. Rows already marked are dropped first, never sent again. A database created after this
    change has no such column: then there is nothing to do."""
    op.execute(
        """
        DO $$ BEGIN
          IF EXISTS (SELECT FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = 'outbox' AND column_name = 'published_at')
          THEN
            DELETE FROM outbox WHERE published_at IS NOT NULL;
            DROP INDEX IF EXISTS ix_outbox_unpublished;
            ALTER TABLE outbox DROP COLUMN published_at;
          END IF;
        END $$;
        """
    )


def outbox_wakes_without_trigger() -> None:
    """Kit tables, version 3: no trigger sends a NOTIFY for every insert into the outbox; the writer wakes the
    relay (in-process when it runs the active relay, by NOTIFY otherwise; see outbox.py). A database created
    after this change has neither the trigger nor its function."""
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS kit_outbox_notify()")


def outbox_wakes_by_trigger() -> None:
    """Back to kit tables version 2 (the downgrade of `outbox_wakes_without_trigger`)."""
    op.execute(
        "CREATE OR REPLACE FUNCTION kit_outbox_notify() RETURNS trigger AS $$"
        " BEGIN PERFORM pg_notify('outbox', ''); RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION kit_outbox_notify()"
    )


def outbox_as_sent() -> None:
    """Kit tables, version 4: the envelope as the JSON text that is sent (not jsonb, parsed on the way in and
    rendered on the way out), the version and correlation id headers in columns of their own, and no unique
    index on the event id (ids are drawn at random per message; the index cost an insert per row). Rows still
    to be sent keep their envelope and get their headers from it. Also right on a database created after the
    change."""
    op.execute("ALTER TABLE outbox DROP CONSTRAINT IF EXISTS uq_outbox_event_id")
    op.execute("ALTER TABLE outbox ALTER COLUMN envelope TYPE text USING envelope::text")
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS version integer")
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS correlation_id varchar(200)")
    op.execute(
        "UPDATE outbox SET version = coalesce((envelope::jsonb ->> 'version')::int, 1),"
        " correlation_id = coalesce(envelope::jsonb ->> 'correlation_id', key)"
        " WHERE version IS NULL OR correlation_id IS NULL"
    )
    op.execute("ALTER TABLE outbox ALTER COLUMN version SET NOT NULL, ALTER COLUMN correlation_id SET NOT NULL")


def outbox_as_jsonb() -> None:
    """Back to kit tables version 3 (the downgrade of `outbox_as_sent`)."""
    op.execute("ALTER TABLE outbox ALTER COLUMN envelope TYPE jsonb USING envelope::jsonb")
    op.execute("ALTER TABLE outbox DROP COLUMN version, DROP COLUMN correlation_id")
    op.execute("ALTER TABLE outbox ADD CONSTRAINT uq_outbox_event_id UNIQUE (event_id)")


def outbox_carries_trace_context() -> None:
    """Kit tables, version 5: an outbox row keeps the W3C trace context (`traceparent`) of the span that wrote
    it, so its publication continues that trace (servicekit.tracing); NULL when tracing is off. Also right on a
    database created after the change."""
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS traceparent varchar(55)")


def outbox_without_trace_context() -> None:
    """Back to kit tables version 4 (the downgrade of `outbox_carries_trace_context`)."""
    op.execute("ALTER TABLE outbox DROP COLUMN traceparent")


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "table" and name in KIT_TABLES)


def _migrate(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata, include_object=_include_object)
    with context.begin_transaction():
        # Replicas starting together: the first migrates, the others wait and then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('alembic'))"))
        context.run_migrations()


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = async_engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate, metadata)
    await engine.dispose()


def run_env(metadata: MetaData, default_url: str | None = None) -> None:
    """The body of every service's `migrations/env.py`; `default_url` (from the service's settings) serves
    the alembic command line."""
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url") or default_url
    if not url:
        raise RuntimeError("no database URL: set <SERVICE>_DATABASE_URL or pass -x / sqlalchemy.url")
    asyncio.run(_run_online(url, metadata))


def upgrade_to_head(migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Apply the service's migrations (up to `revision`). Alembic's env runs its own event loop, hence the
    thread."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["url"] = url
    errors: list[BaseException] = []

    def target() -> None:
        try:
            command.upgrade(config, revision)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="migrations")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]

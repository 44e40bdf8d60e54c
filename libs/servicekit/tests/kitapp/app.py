"""A minimal service built on servicekit, used to prove its mechanics on the real broker and database.

It consumes `CustomerUpserted` and records one `effects` row per message processed; a customer code listed in
`blocked_codes` makes the handler raise (an error retries cannot fix, until someone removes the block)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy import BigInteger, Column, String, Table, insert, select

from contracts.sales import CustomerUpserted
from servicekit.config import ServiceSettings
from servicekit.consumer import HandlerContext, MessageHandlers, NotReady
from servicekit.db import kit_tables, new_metadata
from servicekit.runtime import ServiceDefinition

metadata = new_metadata()
kit = kit_tables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("customer_code", String(50), nullable=False),
    Column("event_id", String(64), nullable=False),
)
blocked_codes = Table("blocked_codes", metadata, Column("code", String(64), primary_key=True))
handlers: MessageHandlers[CustomerUpserted] = MessageHandlers()


@handlers.on(CustomerUpserted)
async def on_customer_upserted(ctx: HandlerContext, message: CustomerUpserted) -> None:
    blocked = await ctx.session.scalar(
        select(blocked_codes.c.code).where(blocked_codes.c.code == message.customer_code)
    )
    if blocked:
        raise RuntimeError(f"cannot handle {message.customer_code}")
    if message.name.startswith("after:"):
        # Depends on another customer's message (on another partition) having been handled first.
        first = message.name.removeprefix("after:")
        if not await ctx.session.scalar(select(effects.c.id).where(effects.c.customer_code == first).limit(1)):
            raise NotReady(f"{first} not handled yet")
    await ctx.session.execute(
        insert(effects).values(customer_code=message.customer_code, event_id=str(ctx.envelope.event_id))
    )
    if message.name == "echo":  # emits a message through the outbox
        await ctx.publish(message.model_copy(update={"customer_code": f"{message.customer_code}-echo"}))


def definition() -> ServiceDefinition[ServiceSettings]:
    return ServiceDefinition(
        name="kit",
        tables=kit,
        routers=[APIRouter()],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
    )


def settings(database_url: str, bootstrap: str, group: str, **overrides: object) -> ServiceSettings:
    # The kit app borrows the sales service's dead-letter topic (dead-letter topics exist per real service).
    return ServiceSettings(
        service_name="sales",
        consumer_group=group,
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        **overrides,  # type: ignore[arg-type]
    )


if __name__ == "__main__":  # pragma: no cover - run as a subprocess by the crash tests
    import asyncio

    from servicekit.consumer import MessageProcessor
    from servicekit.runtime import Runtime

    if os.environ.get("KIT_CRASH_AFTER_COMMIT"):
        # Die after the batch's transactions committed but before FastStream commits the offsets.
        original = MessageProcessor.process_batch

        async def process_then_die(self, records):  # type: ignore[no-untyped-def]
            outcomes = await original(self, records)
            if "processed" in outcomes:
                os._exit(9)
            return outcomes

        MessageProcessor.process_batch = process_then_die  # type: ignore[method-assign]

    async def serve() -> None:
        runtime = Runtime(
            definition(),
            settings(os.environ["KIT_DATABASE_URL"], os.environ["KIT_KAFKA_BOOTSTRAP"], os.environ["KIT_GROUP"]),
        )
        await runtime.start()
        await asyncio.Event().wait()

    asyncio.run(serve())

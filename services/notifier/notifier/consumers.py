"""Subscriptions: every message the notifier understands goes through one handler (`handlers.events`), except
those it would change nothing for, which are passed over unclaimed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Message
from notifier.config import NotifierSettings
from notifier.handlers.events import changes_nothing, on_event, record_order_customers
from notifier.subjects import SUBJECTS
from servicekit.consumer import MessageHandlers
from servicekit.unit import bound


def build_handlers(settings: NotifierSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()
    handle = bound(settings, on_event)

    async def inert(session: AsyncSession, message: Message) -> bool:
        return await changes_nothing(session, message, settings)

    for model in SUBJECTS:
        handlers.on(model)(handle)
    handlers.prepare_groups(record_order_customers)
    handlers.pass_over(inert)
    return handlers

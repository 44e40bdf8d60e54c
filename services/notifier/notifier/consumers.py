"""Subscriptions: every message the notifier understands goes through one handler (`handlers.events`)."""

from __future__ import annotations

from typing import Any

from contracts.envelope import Message
from notifier.config import NotifierSettings
from notifier.handlers.events import on_event, record_order_customers
from notifier.subjects import SUBJECTS
from servicekit.consumer import HandlerContext, MessageHandlers


def build_handlers(settings: NotifierSettings) -> MessageHandlers[Any]:
    handlers: MessageHandlers[Any] = MessageHandlers()

    async def handle(ctx: HandlerContext, message: Message) -> None:
        await on_event(ctx, message, settings)

    for model in SUBJECTS:
        handlers.on(model)(handle)
    handlers.prepare_groups(record_order_customers)
    return handlers

"""One valid example of every message type, telling one story (order SO-2026-000001, PO-2026-000001).

They document the contracts (the AsyncAPI document shows them) and give tests a valid starting point:
`example(OrderPlaced).model_copy(update={...})`.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from contracts.envelope import Envelope, Message
from contracts.examples import analytics, finance, inventory, notifier, purchasing, sales
from contracts.examples.story import AT
from contracts.registry import topic_of

EXAMPLES: tuple[Message, ...] = (
    *sales.EXAMPLES,
    *inventory.EXAMPLES,
    *finance.EXAMPLES,
    *purchasing.EXAMPLES,
    *notifier.EXAMPLES,
    *analytics.EXAMPLES,
)

_M = TypeVar("_M", bound=Message)


def example(model: type[_M]) -> _M:
    """The example of a message type. KeyError when there is none."""
    for message in EXAMPLES:
        if type(message) is model:
            return message
    raise KeyError(f"no example of {model.__name__}")


def example_envelope(model: type[Message]) -> Envelope:
    """The example wrapped as its producer sends it, with a stable event id and time (for generated docs)."""
    envelope = Envelope.wrap(example(model), producer=topic_of(model).producer)
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{model.message_type}.v{model.version}")
    return envelope.model_copy(update={"event_id": event_id, "occurred_at": AT})

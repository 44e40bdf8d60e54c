"""The live-event hub: notices numbered in order, the last `ring_size` of them kept for resuming
(Last-Event-ID), and one bounded queue per connected client. A client whose queue is full is dropped (its
stream ends; the browser reconnects with its Last-Event-ID and resumes from the ring): a slow reader never
holds up the others or grows the gateway's memory."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.domain import Notice, may_see


@dataclass(frozen=True)
class Entry:
    id: int
    service: str
    frame: bytes  # the SSE frame, rendered once for every client


@dataclass(eq=False)
class Client:
    roles: frozenset[str]
    queue: asyncio.Queue[Entry]
    dropped: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def frame(entry_id: int, notice: Notice) -> bytes:
    data = json.dumps(notice.data(), ensure_ascii=False, separators=(",", ":"))
    return f"id: {entry_id}\nevent: change\ndata: {data}\n\n".encode()


class LiveHub:
    def __init__(self, ring_size: int, client_buffer: int, max_clients: int) -> None:
        # Ids continue across restarts (they start from the clock), so an id from before a restart is simply
        # older than the ring, never mistaken for a new one.
        self._next = int(time.time() * 1000) * 1000
        self._ring: deque[Entry] = deque(maxlen=ring_size)
        self._clients: set[Client] = set()
        self.client_buffer = client_buffer
        self.max_clients = max_clients
        self.ready = asyncio.Event()  # set once the feed reads from the end of every topic
        self.published = 0
        self.dropped = 0

    @property
    def clients(self) -> int:
        return len(self._clients)

    @property
    def last_id(self) -> int:
        return self._next - 1

    def publish(self, notice: Notice) -> Entry:
        entry = Entry(self._next, notice.service, frame(self._next, notice))
        self._next += 1
        self._ring.append(entry)
        self.published += 1
        for client in list(self._clients):
            if not may_see(client.roles, entry.service):
                continue
            try:
                client.queue.put_nowait(entry)
            except asyncio.QueueFull:
                self._drop(client)
        return entry

    def _drop(self, client: Client) -> None:
        client.dropped = True
        client.wake.set()
        self._clients.discard(client)
        self.dropped += 1

    def subscribe(self, roles: frozenset[str]) -> Client | None:
        if len(self._clients) >= self.max_clients:
            return None
        client = Client(roles, asyncio.Queue(self.client_buffer))
        self._clients.add(client)
        return client

    def unsubscribe(self, client: Client) -> None:
        self._clients.discard(client)

    def replay(self, client: Client, after: int) -> tuple[list[Entry], bool]:
        """What a client resuming after id `after` missed, and whether the ring still holds all of it (False:
        notices are lost to it; it should re-fetch everything)."""
        complete = not self._ring or self._ring[0].id <= after + 1 or after >= self.last_id
        return [e for e in self._ring if e.id > after and may_see(client.roles, e.service)], complete

    def entries(self) -> Iterator[Entry]:
        return iter(self._ring)

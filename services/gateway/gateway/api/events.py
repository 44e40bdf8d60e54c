"""GET /api/events: the live change notices as Server-Sent Events, for a cookie session or a bearer token.
Only the notices of services the caller's roles may see; a heartbeat comment every few seconds; Last-Event-ID
(header, or ?last_event_id=) resumes from the hub's ring; a client that falls too far behind is dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gateway.api.deps import StateDep, resolve_caller
from gateway.handlers.tokens import AuthError
from gateway.live import Client, LiveHub

router = APIRouter(tags=["events"])
RESET = b"event: reset\ndata: {}\n\n"  # the ring no longer holds what the client missed: re-fetch everything


def _last_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    return int(raw) if raw and raw.isdigit() else None


@router.get("/api/events")
async def events(request: Request, state: StateDep) -> StreamingResponse:
    who = await resolve_caller(request, state)
    hub = state.hub
    client = hub.subscribe(who.roles)
    if client is None:
        raise AuthError(503, "too_many_clients", "the live stream is full: retry later", retry_after=10)
    # Subscribed at this id: what is published from now on is queued for the client.
    after = _last_id(request)
    start = hub.last_id if after is None else after
    stream = _stream(request, hub, client, start, after is not None, state.settings.events_heartbeat_seconds)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


async def _stream(
    request: Request, hub: LiveHub, client: Client, after: int, resume: bool, heartbeat: float
) -> AsyncIterator[bytes]:
    try:
        yield b"retry: 3000\n\n"
        sent = after
        if resume:
            missed, complete = hub.replay(client, after)
            if not complete:
                yield RESET
            for entry in missed:
                yield entry.frame
                sent = entry.id
        while not client.dropped:
            try:
                entry = await asyncio.wait_for(client.queue.get(), timeout=heartbeat)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"
                continue
            if entry.id > sent:  # what the replay already sent is queued too: skip it
                yield entry.frame
                sent = entry.id
    finally:
        hub.unsubscribe(client)

"""What the gateway holds at run time besides servicekit's GatewayRuntime: its signing keys, the HTTP client of the
proxy, the live-event hub and the tracking rate limiter. Made by main.create_app, started by its lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import httpx

from gateway.config import GatewayRuntime, GatewaySettings
from gateway.handlers.keys import KeyRing
from gateway.live import LiveHub
from gateway.ratelimit import RateLimiter
from servicekit.clock import Clock


@dataclass
class GatewayState:
    settings: GatewaySettings
    runtime: GatewayRuntime
    hub: LiveHub
    limiter: RateLimiter
    keyring: KeyRing | None = None
    http: httpx.AsyncClient | None = field(default=None)

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def keys(self) -> KeyRing:
        if self.keyring is None:
            raise RuntimeError("the gateway has not started: no signing keys loaded")
        return self.keyring

    @property
    def client(self) -> httpx.AsyncClient:
        if self.http is None:
            raise RuntimeError("the gateway has not started: no upstream client")
        return self.http

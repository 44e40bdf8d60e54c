"""A minimal HTTP/1.1 keep-alive client for the benchmark's hot call (placing orders).

The load generator shares the machine with the system it measures, so its own CPU per request counts: a
general-purpose client (httpx) spends several times what this does per request. It speaks only what the
benchmark needs: POST of a JSON body, a response with Content-Length, connections kept and reused."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class LightClient:
    def __init__(self, base_url: str, *, connections: int = 64, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(connections)
        self._timeout = timeout

    async def post_json(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        payload = json.dumps(body, separators=(",", ":")).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n{head}\r\n"
        ).encode() + payload
        async with self._slots:
            while True:
                reused = bool(self._free)
                reader, writer = self._free.pop() if reused else await self._connect()
                try:
                    writer.write(request)
                    status, data, keep = await asyncio.wait_for(self._response(reader), self._timeout)
                    break
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    writer.close()
                    # A kept connection the server closed while idle (its keep-alive timeout): nothing of the
                    # response came back, so the request was not taken; send it on a new connection.
                    if not (reused and (not isinstance(exc, asyncio.IncompleteReadError) or not exc.partial)):
                        raise
                except BaseException:
                    writer.close()
                    raise
            if keep:
                self._free.append((reader, writer))
            else:
                writer.close()
        return status, json.loads(data) if data else None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self._host, self._port)

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" not in fields:
            raise ValueError(f"response without Content-Length: {lines[0]}")
        data = await reader.readexactly(int(fields["content-length"]))
        return status, data, fields.get("connection", "").lower() != "close"

    async def close(self) -> None:
        for _, writer in self._free:
            writer.close()
        self._free.clear()

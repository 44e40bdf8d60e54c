"""A stand-in OTLP/HTTP collector for `make bench BENCH_ARGS=--tracing`: answers every POST (the services'
batched span exports to /v1/traces) with 200 and counts the requests and bytes it received, so the services pay
the whole price of tracing (spans built, batched, encoded and sent) and nothing of a real collector's work is
counted against them. Runs as its own process, off the bench's event loop.

    python -m tools.bench.otlp_sink PORT     (prints `exports=<n> bytes=<n>` to stdout on SIGTERM)"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

received = {"exports": 0, "bytes": 0}


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        received["exports"] += 1
        received["bytes"] += length
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Sink)

    def stop(signum: int, frame: FrameType | None) -> None:
        print(f"exports={received['exports']} bytes={received['bytes']}", flush=True)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()

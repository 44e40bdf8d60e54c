"""Polls HTTP endpoints until each answers 200, giving up early when its process has died.

usage: wait_http.py TIMEOUT_SECONDS NAME=URL=PID...
Prints the names that never became ready (one per line) and exits 1 if there are any.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> int:
    deadline = time.monotonic() + float(sys.argv[1])
    pending: dict[str, tuple[str, int]] = {}
    for spec in sys.argv[2:]:
        name, url, pid_text = spec.split("=", 2)
        pending[name] = (url, int(pid_text))
    failed: list[str] = []
    while pending and time.monotonic() < deadline:
        for name, (url, pid) in list(pending.items()):
            if answers_200(url):
                del pending[name]
            elif not alive(pid):
                failed.append(name)
                del pending[name]
        if pending:
            time.sleep(0.5)
    failed.extend(pending)
    for name in failed:
        print(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

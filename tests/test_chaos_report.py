"""A failed chaos run reports the services' own warnings and errors, since their logs go with the run."""

from __future__ import annotations

import json
from pathlib import Path

from tools.chaos import log_summary


def _line(level: str, logger: str, message: str, at: str) -> str:
    return json.dumps({"at": f"2026-11-30T{at}.000000+00:00", "level": level, "logger": logger, "message": message})


def test_log_summary_counts_the_services_own_warnings_most_frequent_first(tmp_path: Path) -> None:
    log = tmp_path / "finance.log"
    lines = [
        _line("INFO", "servicekit.consumer", "started", "12:00:00"),
        _line("ERROR", "aiokafka", "Unable connect to node with id 1", "12:00:01"),
        "Traceback (most recent call last):",
        _line("WARNING", "servicekit.relay", "outbox relay interrupted", "12:00:02"),
        *[_line("ERROR", "servicekit.consumer", "handler for CheckCredit failed", f"12:00:0{i}") for i in (3, 4, 5)],
    ]
    log.write_text("\n".join(lines) + "\n")
    assert log_summary(log) == [
        "     3× from 12:00:03 ERROR servicekit.consumer: handler for CheckCredit failed",
        "     1× from 12:00:02 WARNING servicekit.relay: outbox relay interrupted",
    ]

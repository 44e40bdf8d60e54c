"""Creates the Kafka topics listed on stdin that do not exist yet (replication factor 1).

Input is what `python -m contracts topics` prints: one `<name> <partitions>` per line;
blank lines and `#` comments are ignored. Existing topics are left alone, since adding
partitions would move keys to other partitions and break per-key ordering; a differing
partition count is reported instead.

usage: ... | ensure_topics.py BOOTSTRAP
"""

from __future__ import annotations

import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def parse(lines: list[str]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) < 1:
            raise SystemExit(f"ensure_topics: line {number}: expected '<name> <partitions>', got {raw!r}")
        wanted[parts[0]] = int(parts[1])
    return wanted


async def ensure(bootstrap: str, wanted: dict[str, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, n, 1) for name, n in sorted(wanted.items()) if name not in existing]
        if missing:
            response = await admin.create_topics(missing, timeout_ms=30000)
            for name, code, message in _errors(response):
                if code != TopicAlreadyExistsError.errno:  # lost a race with another creator: fine
                    raise SystemExit(f"ensure_topics: creating {name} failed: error {code} {message}")
        present = set(wanted) & existing
        if present:
            for topic in await admin.describe_topics(sorted(present)):
                have = len(topic["partitions"])
                if have != wanted[topic["topic"]]:
                    print(
                        f"ensure_topics: note: {topic['topic']} has {have} partitions, "
                        f"contracts declare {wanted[topic['topic']]}; left unchanged",
                        file=sys.stderr,
                    )
    finally:
        await admin.close()


def _errors(response: object) -> list[tuple[str, int, str | None]]:
    # CreateTopicsResponse v0 has (name, code) pairs, v1+ adds an error message.
    result = []
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else None
        if code:
            result.append((name, code, message))
    return result


def main() -> int:
    if len(sys.argv) != 2:
        raise SystemExit("usage: ensure_topics.py BOOTSTRAP < topics")
    wanted = parse(sys.stdin.readlines())
    if wanted:
        asyncio.run(ensure(sys.argv[1], wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main())

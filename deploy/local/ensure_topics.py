"""Creates the Kafka topics listed on stdin that do not exist yet (replication factor 1).

Input is what `python -m contracts topics` prints: one `<name> <partitions> [config=value ...]`
per line (the configs set retention: see docs/analytics.md); blank lines and `#` comments are
ignored. Existing topics keep their partitions, since adding partitions would move keys to other
partitions and break per-key ordering (a differing count is reported), but get the configs
declared for them (retention may change safely).

usage: ... | ensure_topics.py BOOTSTRAP
"""

from __future__ import annotations

import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError


def parse_configs(lines: list[str]) -> dict[str, dict[str, str]]:
    """The `config=value` tokens after each topic's partition count."""
    configs: dict[str, dict[str, str]] = {}
    for raw in lines:
        parts = raw.split("#", 1)[0].split()
        if len(parts) > 2:
            configs[parts[0]] = dict(part.split("=", 1) for part in parts[2:])
    return configs


def parse(lines: list[str]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        bad_config = any("=" not in part or part.startswith("=") for part in parts[2:])
        if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) < 1 or bad_config:
            raise SystemExit(
                f"ensure_topics: line {number}: expected '<name> <partitions> [config=value ...]', got {raw!r}"
            )
        wanted[parts[0]] = int(parts[1])
    return wanted


async def ensure(bootstrap: str, wanted: dict[str, int], configs: dict[str, dict[str, str]] | None = None) -> None:
    configs = configs or {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, n, 1, topic_configs=configs.get(name, {}))
            for name, n in sorted(wanted.items())
            if name not in existing
        ]
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
            to_alter = [
                ConfigResource(ConfigResourceType.TOPIC, name, configs=configs[name])
                for name in sorted(present)
                if configs.get(name)
            ]
            if to_alter:
                for response in await admin.alter_configs(to_alter):
                    for code, message, _type, name in getattr(response, "resources", []):
                        if code:
                            raise SystemExit(f"ensure_topics: configuring {name} failed: error {code} {message}")
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
    lines = sys.stdin.readlines()
    wanted = parse(lines)
    if wanted:
        asyncio.run(ensure(sys.argv[1], wanted, parse_configs(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

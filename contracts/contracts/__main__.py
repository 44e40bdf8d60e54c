"""`python -m contracts topics | generate | check`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from contracts.generate import GENERATED_DIR, stale_files, write
from contracts.registry import TOPICS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("topics", help="print '<topic> <partitions> [config=value ...]' per line, for topic creation")
    for name, text in (("generate", "write JSON Schema and AsyncAPI"), ("check", "fail if they are stale")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--out", type=Path, default=GENERATED_DIR, help="the generated folder")
    args = parser.parse_args(argv)

    if args.command == "topics":
        for topic in TOPICS:
            print(topic.name, topic.partitions, *(f"{k}={v}" for k, v in topic.config))
        return 0
    if args.command == "generate":
        for name in write(args.out):
            print(f"wrote {args.out / name}")
        return 0
    stale = stale_files(args.out)
    for name in stale:
        print(f"stale: {args.out / name}", file=sys.stderr)
    if stale:
        print("run `python -m contracts generate` and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

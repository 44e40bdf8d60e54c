"""Scan the five databases and report, per invariant, valid / invalid with the count of anomalies and the
first examples. Exit status 1 when anything is invalid.

    eval "$(deploy/local/infra.sh env)"; .venv/bin/python -m tools.invariants [--grace 30]

Database URLs come from <SERVICE>_DATABASE_URL (as `deploy/local/infra.sh env` prints them)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys

from servicekit.invariants import Check, Result, report, run_checks

SERVICES = ("purchasing", "sales", "inventory", "finance", "notifier")
# After a flow has settled, an outbox row younger than this is a message still on its way (a reaction to the
# last ones published), not one left unsent.
IN_FLIGHT_GRACE_SECONDS = 5.0


def checks_of(service: str) -> tuple[Check, ...]:
    try:
        module = importlib.import_module(f"{service}.invariants")
    except ModuleNotFoundError:
        return ()
    return tuple(module.CHECKS)


async def check_all(urls: dict[str, str], grace_seconds: float = 0) -> list[Result]:
    results: list[Result] = []
    for service, url in urls.items():
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        results += await run_checks(dsn, service, checks_of(service), grace_seconds)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grace", type=float, default=0, help="seconds an outbox row may wait to be sent")
    args = parser.parse_args()
    urls = {s: os.environ[f"{s.upper()}_DATABASE_URL"] for s in SERVICES if f"{s.upper()}_DATABASE_URL" in os.environ}
    if not urls:
        sys.exit('no <SERVICE>_DATABASE_URL set: eval "$(deploy/local/infra.sh env)" first')
    results = asyncio.run(check_all(urls, args.grace))
    print(report(results))
    sys.exit(0 if all(r.valid for r in results) else 1)


if __name__ == "__main__":
    main()

"""Invariant checks over a service's database, in the style of Jepsen's checkers: each check is a query that
returns the rows violating it (none when valid). Services declare theirs in `<service>/invariants.py` as
`CHECKS`; `tools/invariants.py` runs them all, and so do the end-to-end, benchmark and chaos runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Check:
    name: str
    sql: str  # selects the violating rows; may use $1 = grace seconds


@dataclass
class Result:
    service: str
    name: str
    anomalies: int
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.anomalies == 0


COMMON = (
    Check(
        "no outbox row left unsent",
        "SELECT id, message_type, key, created_at FROM outbox "
        "WHERE created_at < now() - make_interval(secs => $1) ORDER BY id",
    ),
)


async def run_checks(dsn: str, service: str, checks: tuple[Check, ...], grace_seconds: float = 0) -> list[Result]:
    conn = await asyncpg.connect(dsn)
    results = []
    try:
        for check in (*COMMON, *checks):
            args = [float(grace_seconds)] if "$1" in check.sql else []
            rows = await conn.fetch(check.sql, *args)
            results.append(Result(service, check.name, len(rows), [_plain(r) for r in rows[:5]]))
    finally:
        await conn.close()
    return results


def _plain(row: asyncpg.Record) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | str | bool | None) else str(v)) for k, v in dict(row).items()}


def report(results: list[Result]) -> str:
    lines = []
    for r in results:
        lines.append(f"{'valid  ' if r.valid else 'INVALID'}  {r.service:<11} {r.name}  anomalies={r.anomalies}")
        lines.extend(f"           e.g. {example}" for example in r.examples)
    bad = sum(not r.valid for r in results)
    lines.append(f"{len(results) - bad} valid, {bad} invalid")
    return "\n".join(lines)

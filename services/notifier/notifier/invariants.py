"""Notifier's invariants, checked by `tools/invariants.py` (each query selects the violations)."""

from servicekit.invariants import Check

CHECKS = (
    Check(
        "no duplicate alerts (one open alert per rule and subject)",
        "SELECT dedup_key, count(*) AS open_alerts FROM alerts WHERE cleared_at IS NULL "
        "GROUP BY dedup_key HAVING count(*) > 1",
    ),
    Check(
        "one alert per rule per source event",
        "SELECT rule_code, source_event_id, subject_id, count(*) AS alerts FROM alerts "
        "WHERE source_event_id IS NOT NULL GROUP BY rule_code, source_event_id, subject_id HAVING count(*) > 1",
    ),
)

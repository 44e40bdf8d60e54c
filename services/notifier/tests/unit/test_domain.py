"""Pure notifier logic: conditions, templates, signatures, the case state machine."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest

from notifier.defaults import DEFAULT_RULES
from notifier.domain.cases import CaseTransitionError, check_transition, is_breached, next_role
from notifier.domain.conditions import all_hold, holds, resolve
from notifier.domain.signing import dingtalk_sign, feishu_sign, generic_sign
from notifier.domain.templates import TEMPLATES, render
from notifier.rules import RuleCreate
from notifier.subjects import start_of

EVENT = {
    "anomaly_type": "short_receipt",
    "reason": "credit_limit",
    "lines": [{"sku": "A", "expected": "10.000", "actual": "8"}, {"sku": "B", "expected": "5", "actual": "5"}],
    "tags": ["x", "y"],
    "amount": "1250.50",
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"path": "anomaly_type", "op": "eq", "value": "short_receipt"}, True),
        ({"path": "anomaly_type", "op": "ne", "value": "short_receipt"}, False),
        ({"path": "amount", "op": "gt", "value": "1250.49"}, True),
        ({"path": "amount", "op": "gt", "value": 1250.5}, False),
        ({"path": "amount", "op": "gte", "value": "1250.5"}, True),
        ({"path": "amount", "op": "eq", "value": 1250.5}, True),  # Decimal: "1250.50" == 1250.5
        ({"path": "amount", "op": "lt", "value": "abc"}, False),
        ({"path": "lines.0.expected", "op": "eq", "value": 10}, True),
        ({"path": "lines.actual", "op": "lt", "value": "6"}, True),  # any line
        ({"path": "lines.actual", "op": "lt", "value": "5"}, False),
        ({"path": "lines.sku", "op": "in", "value": ["B", "C"]}, True),
        ({"path": "tags", "op": "contains", "value": "y"}, True),
        ({"path": "reason", "op": "contains", "value": "credit"}, True),
        ({"path": "missing.path", "op": "eq", "value": 1}, False),
        ({"path": "missing", "op": "exists"}, False),
        ({"path": "lines.sku", "op": "exists"}, True),
        ({"path": "missing", "op": "ne", "value": "x"}, True),
    ],
)
def test_conditions(condition: dict[str, object], expected: bool) -> None:
    assert holds(condition, EVENT) is expected


def test_all_conditions_must_hold_and_paths_resolve_through_lists() -> None:
    assert all_hold([], EVENT)
    assert not all_hold(
        [{"path": "reason", "op": "eq", "value": "credit_limit"}, {"path": "amount", "op": "lt", "value": "1"}], EVENT
    )
    assert resolve(EVENT, "lines.sku") == ["A", "B"]
    assert resolve(EVENT, "lines.-1.sku") == ["B"]


def test_templates_render_both_languages_and_tolerate_missing_fields() -> None:
    text = render(
        "purchase_anomaly",
        {
            "po_no": "PO-2026-000001",
            "anomaly_label_zh": "到货短少",
            "anomaly_type": "short_receipt",
            "supplier_code": "S1",
            "details": "8/10",
        },
    )
    assert "PO-2026-000001" in text.title_zh and "到货短少" in text.body_zh
    assert "short_receipt" in text.title_en
    assert "?" in render("po_overdue", {}).body_en
    assert render("unknown-key", {"rule_code": "r", "subject_id": "X"}).title_en == "Alert r: X"
    assert all(key in TEMPLATES for key in {r["template_key"] for r in DEFAULT_RULES})


def test_default_rules_are_valid_rules() -> None:
    codes = [RuleCreate.model_validate(r).code for r in DEFAULT_RULES]
    assert len(codes) == len(set(codes))


def test_signatures_follow_each_platform() -> None:
    secret, ts = "SECabc", 1700000000000
    raw = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert unquote_plus(dingtalk_sign(secret, ts)) == raw
    assert "+" not in dingtalk_sign(secret, ts) and "/" not in dingtalk_sign(secret, ts)
    feishu = base64.b64encode(hmac.new(f"1700000000\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert feishu_sign(secret, 1700000000) == feishu
    assert generic_sign("k", 1, b"{}") == "sha256=" + hmac.new(b"k", b"1.{}", hashlib.sha256).hexdigest()


def test_case_state_machine_and_ladder() -> None:
    check_transition("open", "processing")
    check_transition("escalated", "escalated")
    check_transition("resolved", "closed")
    for bad in [("open", "closed"), ("closed", "processing"), ("resolved", "escalated")]:
        with pytest.raises(CaseTransitionError):
            check_transition(*bad)
    ladder = ["purchasing_manager", "admin"]
    assert [next_role(ladder, lvl, "purchaser") for lvl in (1, 2, 3)] == ["purchasing_manager", "admin", "admin"]
    assert next_role([], 1, "purchaser") == "purchaser"
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert is_breached("open", now, now) and not is_breached("resolved", now - timedelta(days=1), now)


def test_dates_count_from_midnight_in_the_business_zone() -> None:
    from datetime import date

    assert start_of(date(2026, 3, 10), "Asia/Shanghai").astimezone(UTC) == datetime(2026, 3, 9, 16, tzinfo=UTC)

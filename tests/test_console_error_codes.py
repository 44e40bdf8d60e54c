"""Every stable error code a service answers with (a DomainError's `code`, 409s mostly) has the console's own
message in both languages (web/src/app/locales: `errors.<code>`), so a zh-CN user never reads the English
detail alone. A new code without its message fails here; the console falls back to the server's text meanwhile."""

from __future__ import annotations

import json
import re

from tools.stack import REPO

# The exceptions whose first argument is the stable code (servicekit.errors.DomainError and the services' own;
# the gateway's AuthError: its second, after the status).
RAISED = re.compile(
    r"\b(?:DomainError|RuleViolationError|UserError|ForbiddenError|FileRejectedError|AuthError\(\s*\d+,)"
    r"\(?\s*\"([a-z][a-z0-9_]*)\""
)
# Class attributes naming an error class's code (libs/approvals: `code = "not_approver"`).
DECLARED = re.compile(r"^    code = \"([a-z][a-z0-9_]*)\"$", re.MULTILINE)
# Codes of f-strings (`already_{status}`), spelled out.
SPELLED = {"already_posted", "already_cancelled"}


def server_codes() -> set[str]:
    codes = set(SPELLED)
    for root in (REPO / "services", REPO / "libs"):
        for path in root.glob("*/*/**/*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            codes |= set(RAISED.findall(text)) | set(DECLARED.findall(text))
    return codes


def test_the_scan_finds_the_codes() -> None:
    codes = server_codes()
    assert {"overpayment", "over_tolerance", "not_approver", "period_closed", "invalid_credentials"} <= codes, codes


def test_every_code_has_the_consoles_message_in_both_languages() -> None:
    codes = server_codes()
    for language in ("zh-CN", "en"):
        messages = json.loads((REPO / "web" / "src" / "app" / "locales" / f"{language}.json").read_text())["errors"]
        missing = sorted(c for c in codes if not messages.get(c))
        assert not missing, f"{language}: errors.<code> missing for {missing}"

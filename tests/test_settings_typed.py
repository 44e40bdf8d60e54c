"""Settings are read typed, never with a fallback: the runtime is generic in the service's settings type
(`Runtime[SalesSettings]`), so no service code reads a setting with `getattr(settings, name, default)`, casts the
runtime's settings or asserts their type. A setting a service needs is declared in its settings class, with its
default there when it has one; a missing one fails at start-up (pydantic), not silently."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from servicekit.config import ServiceSettings

REPO = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / p.name / "config.py").exists())


def _mentions_settings(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Attribute) and n.attr == "settings") or (isinstance(n, ast.Name) and "settings" in n.id)
        for n in ast.walk(node)
    )


def _fallbacks(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or not node.args:
            continue
        name, first = node.func.id, node.args[0]
        if name == "getattr" and len(node.args) == 3 and _mentions_settings(first):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: getattr(settings, …, default)")
        elif name == "cast" and len(node.args) == 2 and _mentions_settings(node.args[1]):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: cast(…, settings)")
        elif name == "isinstance" and _mentions_settings(first):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: isinstance(settings, …)")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_reads_a_setting_with_a_fallback(service: str) -> None:
    package = REPO / "services" / service / service
    found = [f for p in sorted(package.rglob("*.py")) for f in _fallbacks(p)]
    assert not found, "settings read untyped or with a fallback:\n" + "\n".join(found)


def test_a_setting_without_default_fails_loudly() -> None:
    class Custom(ServiceSettings):
        tolerance: int  # no default: must be configured

    with pytest.raises(ValueError, match="tolerance"):
        Custom()

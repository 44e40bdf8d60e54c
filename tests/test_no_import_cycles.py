"""No import circle inside a service, and none hidden: a module imports its own service's modules at the top (not
inside a function, where an import would tie two modules that import each other), and following those imports
never comes back to where it started. Shared types get a neutral home (e.g. notifier.domain.alerts)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / p.name / "__init__.py").exists())


def _modules(service: str) -> dict[str, ast.Module]:
    root = REPO / "services" / service
    found = {}
    for path in sorted((root / service).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def _imported(node: ast.Import | ast.ImportFrom, modules: dict[str, ast.Module]) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in modules}
    base = node.module or ""
    names = {f"{base}.{a.name}" for a in node.names} | {base}
    return {n for n in names if n in modules}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_its_own_modules_at_the_top_and_in_no_circle(service: str) -> None:
    modules = _modules(service)
    graph: dict[str, set[str]] = {}
    local: list[str] = []
    for name, tree in modules.items():
        edges: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(node, modules)
        graph[name] = edges - {name}
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(func):
                    if isinstance(inner, ast.Import | ast.ImportFrom) and _imported(inner, modules):
                        local.append(f"{name}.{func.name}")
    assert not local, f"function-local imports of {service}'s own modules: {local}"

    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import circle: " + " → ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])

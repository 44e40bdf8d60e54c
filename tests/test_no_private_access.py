"""No module but servicekit._compat touches a private attribute of a third-party library: every `x._name` in the
tree (x not self or cls) must name something our own code defines, or be one of the few underscored names that
are documented public API (namedtuple's and SQLAlchemy Row's `_mapping`, `os._exit`)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOTS = ("contracts", "libs", "services", "tools", "tests")
COMPAT = REPO / "libs" / "servicekit" / "servicekit" / "_compat.py"
PUBLIC = {"_mapping", "_asdict", "_replace", "_fields", "_make", "_exit"}


def _sources() -> list[Path]:
    return [
        p
        for root in ROOTS
        for p in (REPO / root).rglob("*.py")
        if "migrations" not in p.parts and "generated" not in p.parts and p != COMPAT
    ]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(trees: list[ast.Module]) -> set[str]:
    """Underscored names our code defines: functions, classes, attributes it assigns, module globals."""
    own: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                own.add(node.target.id)
    return {n for n in own if _is_private(n)}


def private_accesses(paths: list[Path]) -> list[str]:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in paths}
    own = _own_names(list(trees.values()))
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            if node.attr in own or node.attr in PUBLIC:
                continue
            where = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
            found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_compat_module_touches_private_attributes_of_libraries() -> None:
    found = private_accesses(_sources())
    assert not found, "private attributes of libraries used outside servicekit._compat:\n" + "\n".join(found)


def test_the_check_finds_a_private_access(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(consumer, row):\n    return consumer._fetcher, row._mapping, self_._own\n_own = 1\n", encoding="utf-8"
    )
    assert private_accesses([sample]) == ["sample.py:2: consumer._fetcher"]

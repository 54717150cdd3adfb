"""The modules of ``uncounted.estimate`` import one another one way: no cycles.

A cycle (``a`` imports ``b``, ``b`` imports ``a``, perhaps inside a function) makes what a
module holds depend on which one was imported first. The imports are read from the source,
function-level ones included, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import uncounted.estimate

PACKAGE = "uncounted.estimate"
FOLDER = Path(uncounted.estimate.__file__).parent


def _modules() -> dict[str, Path]:
    return {p.stem: p for p in sorted(FOLDER.glob("*.py")) if p.stem != "__init__"}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports, anywhere in it (``__init__`` for a
    name taken from the package itself)."""

    def module_of(name: str) -> str | None:
        if name == PACKAGE:
            return "__init__"
        if name.startswith(PACKAGE + ".") and (part := name.split(".")[2]) in modules:
            return part
        return None

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [module_of(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .x import y
                base = f"{PACKAGE}.{base}" if base else PACKAGE
            # ``from package import name``: the submodule ``name`` if there is one
            targets = [module_of(f"{base}.{alias.name}") or module_of(base)
                       for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t is not None)
    return found - {path.stem}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, set(modules)) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for other in sorted(graph.get(name, ())):
            if state.get(other) == 1:
                return [*path[path.index(other):], other]
            if other not in state and (found := visit(other)):
                return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_the_estimate_modules_import_one_another_without_cycles() -> None:
    graph = _graph()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_registry_and_the_ensemble_point_one_way() -> None:
    graph = _graph()
    assert "ensemble" in graph["methods"] and "registry" in graph["ensemble"]
    assert "methods" not in graph["ensemble"] and "ensemble" not in graph["registry"]
    assert "__init__" not in set().union(*graph.values())  # the package imports its modules


def test_a_lazy_import_is_seen(tmp_path: Path) -> None:
    module = tmp_path / "a.py"
    module.write_text("def f():\n    from uncounted.estimate.b import x\n    return x\n")
    assert _imports(module, {"a", "b"}) == {"b"}
    module.write_text("from uncounted.estimate import b as c, Thing\n")
    assert _imports(module, {"a", "b"}) == {"b", "__init__"}
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]

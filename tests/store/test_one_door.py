"""The register has one door: only ``uncounted.store`` (and ``uncounted.link``, for its own
DuckDB work on pairs) runs SQL. Every other layer reads and writes the project's tables
through the functions of ``uncounted.store``."""

from __future__ import annotations

import ast
from pathlib import Path

import uncounted

PACKAGE = Path(uncounted.__file__).parent
DOORS = ("store", "link")
SQL_CALLS = {"execute", "executemany", "sql"}

# (module path under src/uncounted, function) that may run SQL although outside the doors,
# each with its reason. Keep it short; every entry must still be needed (checked below).
ALLOWED = {
    # DuckDB over ingest's own Parquet files in a private in-memory database (one thread,
    # capped memory): it never opens the project, so it touches none of its tables.
    ("ingest/pipeline.py", "_duplicates"),
}


def _sql_calls(path: Path) -> list[tuple[int, str, str]]:
    """(line, enclosing function, called attribute) of every ``.execute(`` / ``.sql(`` /
    ``.executemany(`` call in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                    and child.func.attr in SQL_CALLS):
                found.append((child.lineno, function, child.func.attr))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def _outside_the_doors() -> list[tuple[str, int, str, str]]:
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.split("/")[0] in DOORS:
            continue
        hits += [(relative, line, function, attr) for line, function, attr in _sql_calls(path)]
    return hits


def test_no_sql_outside_store_and_link() -> None:
    offenders = [
        f"{module}:{line} {function}() calls .{attr}("
        for module, line, function, attr in _outside_the_doors()
        if (module, function) not in ALLOWED
    ]
    assert not offenders, (
        "SQL outside uncounted.store and uncounted.link; give store a function for it:\n"
        + "\n".join(offenders)
    )


def test_every_exception_is_still_needed() -> None:
    used = {(module, function) for module, _, function, _ in _outside_the_doors()}
    assert used >= ALLOWED, f"allowed but no longer calling SQL: {sorted(ALLOWED - used)}"


def test_the_scan_finds_calls(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f(project):\n"
        "    project.con.execute('SELECT 1')\n"
        "    return project.con.sql('SELECT 2')\n"
        "class C:\n"
        "    def g(self, con):\n"
        "        con.executemany('INSERT', [])\n"
        "x = len([])\n",
        encoding="utf-8",
    )
    assert _sql_calls(module) == [(2, "f", "execute"), (3, "f", "sql"), (6, "g", "executemany")]

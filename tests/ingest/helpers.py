"""Small helpers for ingest tests: make files, snapshot a project."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from uncounted.store import Project


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(root: Path) -> dict[str, Any]:
    """Everything a user could see of a project: table contents and stored files."""
    with Project.open(root) as project:
        tables = {
            name: sorted(map(repr, project.con.execute(f"SELECT * FROM {name}").fetchall()))
            for name in ("lists", "sources", "records", "quarantine")
        }
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.name != "project.duckdb"
        and not p.name.endswith(".wal")
        # The lock files say who last held the project, not what it holds.
        and not p.name.startswith("project.lock")
    }
    return {"tables": tables, "files": files}

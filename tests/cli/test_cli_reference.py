"""docs/cli.md is the commands' own --help, and current (CI runs this with the suite)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference",
                                                  ROOT / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_current() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == _script().render(), (
        "docs/cli.md is not current: run .venv/bin/python scripts/cli_reference.py"
    )


def test_the_reference_is_what_help_prints() -> None:
    """Each command's section is its --help as a user sees it in any terminal 80 columns wide or
    more, so the reference says nothing the commands do not."""
    rendered = _script().render()
    for command in (["ingest"], ["review"], ["user", "add"], []):
        done = subprocess.run(
            [sys.executable, "-c", "from uncounted.cli.main import run; run()", *command,
             "--help"],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert done.returncode == 0, done.stderr
        heading = " ".join(["uncounted", *command])
        assert f"## {heading}\n\n```text\n{done.stdout.rstrip()}\n```\n" in rendered

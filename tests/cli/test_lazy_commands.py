"""`run` loads only the module of the command it runs (issue 14: memory of `uncounted ingest`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from uncounted.cli import main

PROBE = """
import sys
from uncounted.cli import main
try:
    main.run(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print(sorted(m for m in ("splink", "numba", "matplotlib", "scipy", "fastapi") if m in sys.modules))
"""


def test_every_command_has_its_module() -> None:
    app = main.build_app()
    registered = {c.name for c in app.registered_commands} | {
        g.name for g in app.registered_groups}
    listed = {name for names in main.COMMAND_MODULES.values() for name in names}
    assert registered == listed


def test_the_command_is_found_after_the_root_options() -> None:
    assert main._modules_for(["--wait", "5", "ingest", "DIR"]) == ("project_cmds",)
    assert main._modules_for(["--wait=5", "report", "DIR"]) == ("report_cmds",)
    assert main._modules_for(["user", "add"]) == ("web_cmds",)
    assert main._modules_for(["--help"]) == tuple(main.COMMAND_MODULES)
    assert main._modules_for(["lnk"]) == tuple(main.COMMAND_MODULES)  # "did you mean link?"


def test_init_and_ingest_load_no_linkage_or_plotting_library(tmp_path: Path) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text("name,sex,age\nA B,M,30\nC D,F,40\n", encoding="utf-8")
    project = tmp_path / "p"
    for args in (["init", str(project)],
                 ["ingest", str(project), str(csv), "--list", "x", "--map", "full_name=name",
                  "--map", "sex=sex", "--map", "age_years=age"]):
        done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", args[0]

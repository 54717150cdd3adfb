"""Reproducibility: software versions, the link and estimate settings with their seeds, the
input files' hashes, and the commands that rebuild the project from those files."""

from __future__ import annotations

import platform
import shlex
from importlib import metadata
from typing import Any, Final

from uncounted import __version__

PACKAGES: Final = ("duckdb", "splink", "numpy", "scipy", "pandas", "pyarrow", "numba",
                   "matplotlib", "jinja2")


def software_versions() -> dict[str, str]:
    versions = {"uncounted": __version__, "python": platform.python_version(),
                "platform": platform.platform(terse=True)}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def reproducibility_section(
    provenance: dict[str, Any],
    linkage: dict[str, Any],
    estimates: dict[str, Any],
    report_settings: dict[str, Any],
) -> dict[str, Any]:
    """Plain data from the other sections' data: nothing here reads the project again."""
    commands = ["uncounted init DIR"]
    ingested = {entry["arguments"].get("sha256"): entry["arguments"]
                for entry in provenance.get("command_log", []) if entry["command"] == "ingest"}
    for source in provenance["sources"]:
        release = f" --release {source['release']}" if source.get("release") else ""
        arguments = ingested.get(source["sha256"], {})
        how = (f" --profile {shlex.quote(str(arguments['profile']))}"
               if arguments.get("profile") else " --mapping M.yaml")
        commands.append(
            f"uncounted ingest DIR {shlex.quote(source['file'])} --list "
            f"{shlex.quote(source['list'])}{release}{how}  # sha256 {source['sha256'][:12]}…"
        )
    run = linkage.get("run")
    if run:
        commands.append(f"uncounted link DIR --threshold {run['threshold']} --seed {run['seed']}"
                        f" --backend {run['backend']}")
    estimate_run = estimates.get("run")
    if estimate_run:
        strata = estimate_run["strata"]
        level = estimate_run["settings"].get("level", 0.95)
        commands.append(
            f"uncounted estimate DIR --method {estimate_run['method']} --seed "
            f"{estimate_run['seed']} --level {level}"
            + (f" --strata {','.join(strata)}" if strata else "")
        )
    commands.append("uncounted report DIR" + "".join(
        f" --{key.replace('_', '-')} {value}" for key, value in report_settings.items()
        if value not in (None, "", []) and key != "format"))
    return {
        "versions": software_versions(),
        "inputs": [{"file": s["file"], "list": s["list"], "release": s.get("release"),
                    "sha256": s["sha256"]} for s in provenance["sources"]],
        "link_settings": run,
        "estimate_settings": estimate_run,
        "report_settings": report_settings,
        "commands": commands,
        "note": (
            "Same input files, settings and seeds give the same persons and estimates. Review "
            "decisions taken between runs change the linkage; they are in the project's "
            "review_decisions table and the command log below."
        ),
    }
